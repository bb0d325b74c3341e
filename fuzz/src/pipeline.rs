//! `daemon/src/pipeline/schemas.rs` (e-invoices are validated against the schema files).

#[path = "../../daemon/src/pipeline/schemas.rs"]
pub mod schemas;
