//! Reading e-invoice XML (roxmltree): element paths by local name, amounts, dates, and the
//! UNTDID 1001 document type — shared by the CII and UBL readers.

use roxmltree::Node;
use serde_json::{json, Value};

/// Child elements of `n` whose local name is one of `names` (`"A|B"`).
pub(crate) fn children<'a, 'i>(
    n: Node<'a, 'i>,
    names: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && names.split('|').any(|x| x == c.tag_name().name()))
}

/// The first element reached by `path` (`"A|B/C/D"`: local names, alternatives with `|`).
pub(crate) fn find<'a, 'i>(n: Node<'a, 'i>, path: &'a str) -> Option<Node<'a, 'i>> {
    let mut cur = n;
    for step in path.split('/') {
        cur = children(cur, step).next()?;
    }
    Some(cur)
}

/// Trimmed text at `path`, `None` when absent or empty.
pub(crate) fn text(n: Node, path: &str) -> Option<String> {
    let t = find(n, path)?.text()?.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Every element reached by `path` (all matches at the last step).
pub(crate) fn find_all<'a, 'i>(n: Node<'a, 'i>, path: &'a str) -> Vec<Node<'a, 'i>> {
    let (parent, last) = match path.rsplit_once('/') {
        Some((p, l)) => (find(n, p), l),
        None => (Some(n), path),
    };
    parent
        .map(|p| children(p, last).collect())
        .unwrap_or_default()
}

/// A decimal (`xs:decimal`, as the XML states it) rounded to the schema's precision
/// (`places`, half away from zero).
pub(crate) fn number(s: &str, places: u32) -> Option<rust_decimal::Decimal> {
    let v: rust_decimal::Decimal = s.trim().trim_start_matches('+').parse().ok()?;
    Some(crate::extract::money::round(v, places))
}

/// JSON number or null.
pub(crate) fn amount(n: Node, path: &str) -> Value {
    text(n, path)
        .and_then(|s| number(&s, 3))
        .map_or(Value::Null, crate::extract::money::to_json)
}

/// At most `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '\\')
        .take(max)
        .collect()
}

/// Optional string clipped to `max`.
pub(crate) fn opt(s: Option<String>, max: usize) -> Value {
    s.map_or(Value::Null, |s| json!(clip(&s, max)))
}

/// `20260131` (UN/CEFACT format 102), `202003311232` (203: with hours and minutes) or
/// `2026-01-31` → `2026-01-31`.
pub(crate) fn iso_date(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    (d.len() >= 8 && d.len() <= 14).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
}

/// UNTDID 1001 document type code → the schema's `document_type`.
pub(crate) fn document_type(code: Option<&str>, order: bool) -> &'static str {
    if order {
        return "purchase_order";
    }
    match code.unwrap_or("380") {
        "381" | "261" | "262" | "296" | "308" | "396" | "420" | "458" | "532" => "credit_note",
        _ => "invoice",
    }
}
