//! Stage 2.5: every `{{lookup:Entity:Name}}` a mapping needs, resolved against the business's
//! imported books ([`super::books::Ledger`]) to the entity's id:
//!
//! 1. **exact** — the name as the books spell it;
//! 2. **normalized** — the same significant words (case, accents, punctuation and legal forms
//!    such as `Inc.`/`GmbH` left out; [`super::direction::words`]), or an account's number;
//! 3. **legal name** — the name printed is an entry's legal name: a company name with its legal
//!    form that begins with the entry's words ("SATURN ELECTRO HANDELSGES.MBH" for the books'
//!    "Saturn"; [`crate::extract::read::names::spells_more_fully`]);
//! 4. **fuzzy** — Jaro–Winkler similarity of the joined words (`strsim`) ≥ [`FUZZY_MIN`], and
//!    ahead of the runner-up by [`FUZZY_LEAD`]; otherwise **ambiguous** (the candidates are
//!    listed) or **not_found**.
//!
//! Active entries are preferred; a match on an inactive one says so. The mapping keeps the
//! placeholder (`field_mappings`, `lookups_required`) and gains `resolved_lookups`; what did not
//! resolve becomes a warning (a `create_if_missing` lookup names the PREREQUISITE that creates
//! it).

use serde_json::{json, Value};

use super::books::Ledger;
use super::direction::words;
use crate::extract::read::names::spells_more_fully;
use crate::store::books::{BookEntry, BookList};

/// Least Jaro–Winkler similarity of a fuzzy match.
pub const FUZZY_MIN: f64 = 0.90;
/// How far a fuzzy match must lead the next candidate.
pub const FUZZY_LEAD: f64 = 0.03;

/// How a name matched an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<'a> {
    /// `exact`, `normalized` or `fuzzy`, the entry, the similarity (1.0 unless fuzzy).
    Match(&'static str, &'a BookEntry, f64),
    /// Several entries as close.
    Ambiguous(Vec<&'a BookEntry>),
    NotFound,
}

fn joined(s: &str) -> String {
    words(s).join(" ")
}

/// Find `name` among `entries` (one list).
pub fn find<'a>(entries: &[&'a BookEntry], name: &str) -> Found<'a> {
    let prefer_active = |v: Vec<&'a BookEntry>| -> Vec<&'a BookEntry> {
        if v.iter().any(|e| e.active) {
            v.into_iter().filter(|e| e.active).collect()
        } else {
            v
        }
    };
    let pick = |how: &'static str, v: Vec<&'a BookEntry>| match prefer_active(v).as_slice() {
        [] => None,
        [one] => Some(Found::Match(how, one, 1.0)),
        many => Some(Found::Ambiguous(many.to_vec())),
    };
    let exact: Vec<&BookEntry> = entries
        .iter()
        .copied()
        .filter(|e| e.name.trim() == name.trim())
        .collect();
    if let Some(f) = pick("exact", exact) {
        return f;
    }
    let key = joined(name);
    if key.is_empty() {
        return Found::NotFound;
    }
    let normalized: Vec<&BookEntry> = entries
        .iter()
        .copied()
        .filter(|e| joined(&e.name) == key || e.number.as_deref().is_some_and(|n| n == name.trim()))
        .collect();
    if let Some(f) = pick("normalized", normalized) {
        return f;
    }
    // The document prints the legal name of an entry the books call by its trade name; of
    // several, the fullest ("Saturn Electro" before "Saturn").
    let legal: Vec<&BookEntry> = entries
        .iter()
        .copied()
        .filter(|e| spells_more_fully(&e.name, name))
        .collect();
    let most = legal.iter().map(|e| joined(&e.name).len()).max();
    let fullest = legal
        .into_iter()
        .filter(|e| Some(joined(&e.name).len()) == most)
        .collect();
    if let Some(f) = pick("legal name", fullest) {
        return f;
    }
    let mut scored: Vec<(f64, &BookEntry)> = entries
        .iter()
        .map(|e| (strsim::jaro_winkler(&key, &joined(&e.name)), *e))
        .filter(|(s, _)| *s >= FUZZY_MIN)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.active.cmp(&a.1.active)));
    match scored.as_slice() {
        [] => Found::NotFound,
        [(s, e)] => Found::Match("fuzzy", e, *s),
        [(s, e), (s2, _), ..] if s - s2 >= FUZZY_LEAD => Found::Match("fuzzy", e, *s),
        many => Found::Ambiguous(many.iter().take(5).map(|(_, e)| *e).collect()),
    }
}

/// Resolve `mapping`'s lookups (a Stage 2 mapping) against `ledger`: adds `resolved_lookups`;
/// returns warnings for what did not resolve.
pub fn resolve(ledger: &Ledger, mapping: &mut Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let lookups = mapping["lookups_required"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for l in lookups.iter().take(40) {
        let (Some(entity), Some(name)) = (l["entity"].as_str(), l["lookup_value"].as_str()) else {
            continue;
        };
        // Zoho Books keeps vendors and customers as one list of contacts.
        let lists: Vec<BookList> = match entity {
            "Contact" => vec![BookList::Vendors, BookList::Customers],
            e => BookList::of_entity(e).into_iter().collect(),
        };
        if !lists.iter().any(|l| ledger.has(*l)) {
            continue;
        }
        let entries: Vec<&BookEntry> = lists.iter().flat_map(|l| ledger.list(*l)).collect();
        let mut r = json!({"entity": entity, "field": l["field"], "lookup_value": name});
        match find(&entries, name) {
            Found::Match(how, e, score) => {
                r["match"] = json!(how);
                r["id"] = json!(e.id.clone().unwrap_or_else(|| e.name.clone()));
                r["name"] = json!(e.name);
                r["score"] = json!((score * 1000.0).round() / 1000.0);
                r["active"] = json!(e.active);
                if !e.active {
                    warnings.push(format!(
                        "{entity} {name:?} matches {:?}, which is inactive in the books",
                        e.name
                    ));
                }
            }
            Found::Ambiguous(c) => {
                r["match"] = json!("ambiguous");
                r["candidates"] = json!(c.iter().map(|e| e.name.clone()).collect::<Vec<_>>());
                warnings.push(format!(
                    "{entity} {name:?} is ambiguous in the books: {}",
                    c.iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" / ")
                ));
            }
            Found::NotFound => {
                r["match"] = json!("not_found");
                warnings.push(if l["create_if_missing"] == true {
                    format!("{entity} {name:?} is not in the books: created by the create{entity} PREREQUISITE")
                } else {
                    format!("{entity} {name:?} is not in the books")
                });
            }
        }
        out.push(r);
    }
    if !out.is_empty() {
        mapping["resolved_lookups"] = Value::Array(out);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, id: &str, active: bool) -> BookEntry {
        BookEntry {
            list: BookList::Vendors,
            id: Some(id.into()),
            name: name.into(),
            kind: None,
            number: None,
            currency: None,
            active,
            detail: Value::Null,
        }
    }

    #[test]
    fn exact_then_normalized_then_fuzzy() {
        let all = [
            e("Office Depot, Inc.", "1", true),
            e("Staples", "2", true),
            e("Blue Ridge Power & Light", "3", true),
            e("Acme Tools", "4", true),
            e("Acme Toolz", "5", true),
            e("Old Vendor", "6", false),
        ];
        let v: Vec<&BookEntry> = all.iter().collect();
        assert!(
            matches!(find(&v, "Staples"), Found::Match("exact", x, _) if x.id.as_deref() == Some("2"))
        );
        assert!(
            matches!(find(&v, "OFFICE DEPOT INC"), Found::Match("normalized", x, _) if x.id.as_deref() == Some("1"))
        );
        assert!(
            matches!(find(&v, "Blue Ridge Power and Lights"), Found::Match("fuzzy", x, s) if x.id.as_deref() == Some("3") && s >= FUZZY_MIN)
        );
        assert!(matches!(find(&v, "Acme Tool"), Found::Ambiguous(c) if c.len() == 2));
        assert_eq!(find(&v, "Northwind Traders"), Found::NotFound);
        assert!(matches!(find(&v, "Old Vendor"), Found::Match("exact", x, _) if !x.active));
    }

    #[test]
    fn a_printed_legal_name_finds_the_trade_name_the_books_use() {
        let all = [
            e("Saturn", "1", true),
            e("Saturn Electro", "2", true),
            e("Aldi", "3", true),
        ];
        let v: Vec<&BookEntry> = all.iter().collect();
        let found = |name| match find(&v, name) {
            Found::Match(how, x, _) => Some((how, x.id.clone().unwrap_or_default())),
            _ => None,
        };
        // The fullest entry the legal name begins with.
        assert_eq!(
            found("SATURN ELECTRO HANDELSGES.MBH"),
            Some(("legal name", "2".to_string()))
        );
        assert_eq!(
            found("Saturn Handelsges.mbH"),
            Some(("legal name", "1".to_string()))
        );
        // Legal forms alone already match by the normalized words.
        assert_eq!(
            found("Aldi GmbH & Co. KG"),
            Some(("normalized", "3".to_string()))
        );
        // A name that begins with an entry but prints no legal form is no legal name.
        assert_eq!(found("Aldi Pohlweg 110"), None);
    }
}
