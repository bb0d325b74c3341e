//! The daemon's document entry points compiled on their own — the very same source files,
//! included by path — so that the instrumented fuzz build compiles the parsers and their
//! libraries only, not the model runtime, HTTP server and database.

pub mod extract;

/// `daemon/src/schemas.rs` (e-invoices are validated against the schema files).
#[path = "../../daemon/src/schemas.rs"]
pub mod schemas;
