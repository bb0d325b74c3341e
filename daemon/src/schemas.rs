//! The JSON Schemas of every stage's output, loaded from `schema/*.schema.json` (compiled into the
//! binary), and validation of outputs against them (JSON Schema 2020-12 via the `jsonschema` crate).

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use serde_json::Value;

/// `schema/extracted_document.schema.json`
pub const EXTRACTED_DOCUMENT: &str = include_str!("../../schema/extracted_document.schema.json");
/// `schema/stage1.schema.json`
pub const STAGE1: &str = include_str!("../../schema/stage1.schema.json");
/// `schema/stage2.schema.json`
pub const STAGE2: &str = include_str!("../../schema/stage2.schema.json");

/// Which stage output a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ExtractedDocument,
    Stage1,
    Stage2,
}

fn parsed(kind: Kind) -> &'static Value {
    static CELLS: [OnceLock<Value>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (i, text) = match kind {
        Kind::ExtractedDocument => (0, EXTRACTED_DOCUMENT),
        Kind::Stage1 => (1, STAGE1),
        Kind::Stage2 => (2, STAGE2),
    };
    CELLS[i].get_or_init(|| {
        serde_json::from_str(text).expect("schema files are valid JSON (checked by tests)")
    })
}

/// The schema document of `kind`.
pub fn schema(kind: Kind) -> Value {
    parsed(kind).clone()
}

/// Validate `instance` against `schema`; the error lists every violation with its JSON pointer.
pub fn validate_with(schema: &Value, instance: &Value) -> Result<()> {
    let v = jsonschema::validator_for(schema).map_err(|e| anyhow!("invalid schema: {e}"))?;
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at '{}'", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "output does not match its schema: {}",
            errors.join("; ")
        ))
    }
}

/// Validate `instance` against the schema file of `kind`.
pub fn validate(kind: Kind, instance: &Value) -> Result<()> {
    validate_with(parsed(kind), instance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_files_compile_and_reject_bad_output() {
        for k in [Kind::ExtractedDocument, Kind::Stage1, Kind::Stage2] {
            jsonschema::validator_for(parsed(k)).unwrap();
        }
        let bad = json!({"document_type": "invoice"});
        let err = validate(Kind::Stage1, &bad).unwrap_err().to_string();
        assert!(err.contains("suggested_actions"), "{err}");
    }
}
