//! What Stage 1 reads and what it decides.

use serde_json::Value;

use crate::pipeline::decisions::{Rule, Table};
use crate::pipeline::direction::Sides;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::registry::Registry;

/// Everything Stage 1 reads.
pub struct Stage1Input<'a> {
    pub extracted: &'a Value,
    pub text: &'a str,
    pub profile: &'a BusinessProfile,
    pub registry: &'a Registry,
    pub table: &'a Table,
    pub sides: &'a Sides,
    /// What approvals taught about the counterparty (its approved PRIMARY action is used before
    /// any model call, for a document of the kind approved).
    pub memory: Option<&'a crate::store::books::Memory>,
    /// The counterparty's transaction history (the PRIMARY its transactions used, where the
    /// table leaves a choice).
    pub history: Option<&'a crate::pipeline::history::History>,
}

/// Stage 1's decision with what the later steps need.
#[derive(Debug, Clone)]
pub struct Stage1 {
    /// The contract-shaped output.
    pub output: Value,
    /// The decision table row that applied.
    pub rule: Rule,
    /// Why the document goes to review regardless of confidence (a non-posting document).
    pub review: Option<String>,
    /// Whether the counterparty is already in the business's books.
    pub party_known: bool,
}
