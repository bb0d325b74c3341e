//! Reading what a document states, by rules only (no model): its [`kind`] from the title,
//! [`payment`] evidence, [`currency`], the [`parties`] with their [`tax_ids`] and the [`lines`] of
//! its item table, on top of the header-field candidates of [`super::candidates`]. Words come
//! from `schema/reading/vocabulary.json` ([`vocabulary`]), compared [`fold`]ed.

pub mod candidates;
pub mod currency;
pub mod document;
pub mod fold;
pub mod kind;
pub mod lines;
pub mod names;
pub mod parties;
pub mod payment;
pub mod provenance;
pub mod segments;
pub mod tax_ids;
pub mod terms;
pub mod vocabulary;

pub use document::{read, Reading};
