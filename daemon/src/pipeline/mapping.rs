//! A Stage 2 mapping read back by the steps after it and by vendor memory: its lookup
//! references (`{{lookup:Entity:Name}}`, resolved to the books' ids in Stage 2.5) and its lines.
//! Below Stage 2 and memory both, so that neither imports the other.

use serde_json::Value;

/// The `(entity, name)` of a `{{lookup:Entity:Name}}` string ([`lookup_ref`]'s inverse).
pub fn lookup_parts(s: &str) -> Option<(&str, &str)> {
    s.strip_prefix("{{lookup:")?
        .strip_suffix("}}")?
        .split_once(':')
}

/// `{{lookup:Entity:Name}}` with `name` trimmed to what the contract allows.
pub fn lookup_ref(entity: &str, name: &str) -> String {
    let n: String = name
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .take(80)
        .collect();
    format!("{{{{lookup:{entity}:{}}}}}", n.trim())
}

/// The lines of a mapping (an action's field whose source is `lines:*`: QuickBooks' `Line`,
/// Zoho Books' `line_items`), from its `field_sources`.
pub fn lines_of(mapping: &Value) -> Option<&Vec<Value>> {
    let name = mapping["field_sources"]
        .as_object()?
        .iter()
        .find(|(_, s)| s.as_str().is_some_and(|s| s.starts_with("lines:")))?
        .0;
    mapping["field_mappings"][name.as_str()].as_array()
}
