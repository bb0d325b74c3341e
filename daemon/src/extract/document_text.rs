//! The text of a document as extraction hands it to the stages (also the extraction child's
//! reply, so it is serialisable both ways).

use serde::Serialize;
use serde_json::Value;

use super::detect::DocumentKind;
use super::pdf;

/// The text of a document, as the stages see it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct DocumentText {
    pub kind: DocumentKind,
    pub pages: usize,
    /// Layout text: lines in reading order, columns kept with spaces, pages split by form feeds.
    pub text: String,
    /// Per-line provenance (PDF only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<pdf::LayoutLine>,
    /// Fields read exactly from an e-invoice (standalone XML or attached to the PDF); when
    /// present the model does not extract fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub einvoice: Option<Value>,
}
