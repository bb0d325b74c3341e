//! Where a value was read: its text line and, through the layout lines, its page and box.
//! Provenance entries follow `schema/extracted_document.schema.json`: `{method, confidence, rule,
//! text_line (1-based), page, bbox}`.

use serde_json::{json, Value};

use crate::extract::pdf::LayoutLine;

/// Page and box of 0-based text line `i` (pages split by a form-feed line), `Null` when unknown.
pub fn locate(lines: &[LayoutLine], text: &str, i: usize) -> Value {
    let mut k = 0usize;
    for (j, l) in text.lines().enumerate() {
        if l == "\u{c}" {
            continue;
        }
        if j == i {
            return lines
                .get(k)
                .map(|l| json!({"page": l.page, "bbox": l.bbox}))
                .unwrap_or(Value::Null);
        }
        k += 1;
    }
    Value::Null
}

/// A provenance entry: `method` (`rule`, `llm`, `llm+rule`, `computed`, `einvoice`), confidence
/// 0–100, and where when the 0-based `line` is known.
pub fn entry(
    method: &str,
    confidence: i64,
    rule: Option<&str>,
    line: Option<usize>,
    lines: &[LayoutLine],
    text: &str,
) -> Value {
    let mut e = json!({"method": method, "confidence": confidence});
    if let Some(r) = rule {
        e["rule"] = json!(r);
    }
    if let Some(i) = line {
        e["text_line"] = json!(i + 1);
        let at = locate(lines, text, i);
        if !at.is_null() {
            e["page"] = at["page"].clone();
            e["bbox"] = at["bbox"].clone();
        }
    }
    e
}
