//! The combined result of a document and its review status.
//!
//! Rule (from the seed backend): overall confidence below [`REVIEW_BELOW`] or any warning →
//! `preview_required`; otherwise `classified`. Overall confidence is the lower of Stage 1's
//! `overall_confidence` and the PRIMARY mapping's confidence.

use serde_json::{json, Value};

use crate::store::Status;

/// Confidence (0–100) under which a person must review the result.
pub const REVIEW_BELOW: i64 = 75;

/// Overall confidence of a run.
pub fn overall_confidence(stage1: &Value, stage2: &[Value]) -> i64 {
    let s1 = stage1["overall_confidence"].as_i64().unwrap_or(0);
    let primary = stage1["suggested_actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["role"] == "PRIMARY"))
        .and_then(|p| p["action"].as_str());
    let s2 = primary
        .and_then(|name| stage2.iter().find(|m| m["action"] == name))
        .and_then(|m| m["confidence"].as_i64())
        .unwrap_or(0);
    s1.min(s2)
}

/// `classified` or `preview_required`.
pub fn review_status(confidence: i64, warnings: &[String]) -> Status {
    if confidence < REVIEW_BELOW || !warnings.is_empty() {
        Status::PreviewRequired
    } else {
        Status::Classified
    }
}

/// The document's result as shown for review: one entry per action, Stage 1 role and Stage 2
/// mapping side by side, PRIMARY first.
pub fn combine(
    file_name: &str,
    stage1: &Value,
    stage2: &[Value],
    confidence: i64,
    status: Status,
    warnings: &[String],
) -> Value {
    let actions: Vec<Value> = stage1["suggested_actions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let mapping = stage2.iter().find(|m| m["action"] == s["action"]);
            json!({
                "action": s["action"],
                "role": s["role"],
                "confidence": s["confidence"],
                "reasoning": s["reasoning"],
                "optional": s.get("optional").cloned().unwrap_or(Value::Bool(false)),
                "requires_user_confirmation": s.get("requires_user_confirmation").cloned().unwrap_or(Value::Bool(false)),
                "mapped": mapping.is_some(),
                "field_mappings": mapping.map(|m| m["field_mappings"].clone()),
                "lookups_required": mapping.map(|m| m["lookups_required"].clone()),
                "validation": mapping.map(|m| m["validation"].clone()),
            })
        })
        .collect();
    json!({
        "file_name": file_name,
        "status": status,
        "document_type": stage1["document_type"],
        "direction": stage1["direction"],
        "counterparty": stage1["counterparty"],
        "summary": stage1["summary"],
        "primary_action": actions.iter().find(|a| a["role"] == "PRIMARY").map(|a| a["action"].clone()),
        "overall_confidence": confidence,
        "actions": actions,
        "warnings": warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_confidence_or_warnings_need_review() {
        assert_eq!(review_status(90, &[]), Status::Classified);
        assert_eq!(review_status(74, &[]), Status::PreviewRequired);
        assert_eq!(review_status(90, &["x".into()]), Status::PreviewRequired);
    }

    #[test]
    fn overall_is_the_weaker_of_stage1_and_the_primary_mapping() {
        let s1 = json!({"overall_confidence": 90, "suggested_actions": [{"action": "createBill", "role": "PRIMARY"}]});
        let s2 = vec![json!({"action": "createBill", "confidence": 70})];
        assert_eq!(overall_confidence(&s1, &s2), 70);
        assert_eq!(overall_confidence(&s1, &[]), 0);
    }
}
