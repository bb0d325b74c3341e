//! What Stage 2 reads, what a mapped value is, and how a lookup reference is written.

use serde_json::Value;

use crate::pipeline::accounts::Lines;
use crate::pipeline::chart::Chart;
use crate::pipeline::direction::Sides;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::registry::Registry;

/// Everything Stage 2 reads.
pub struct Stage2Input<'a> {
    pub file_name: &'a str,
    pub extracted: &'a Value,
    pub profile: &'a BusinessProfile,
    pub registry: &'a Registry,
    pub chart: &'a Chart,
    pub sides: &'a Sides,
    /// The document's lines with their accounts.
    pub lines: &'a Lines,
    /// Actions suggested for the document (a createVendor PREREQUISITE makes the vendor
    /// lookup `create_if_missing`).
    pub suggested: &'a [Value],
}

/// A mapped value.
pub struct Mapped {
    pub value: Value,
    /// `lookups_required` entries the value needs.
    pub lookups: Vec<Value>,
    /// 0–100, from the provenance of what it was built from.
    pub confidence: i64,
}
