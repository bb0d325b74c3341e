//! The business's own name as a candidate party: recall first, the identity decides. Who the books
//! belong to is configuration, not something to read — where its name is printed on the document
//! (as the document spells it, in any column, after a label such as "Bill to:" or "Odběratel"),
//! that printed span is offered as the issuer and as the recipient, so that the joint choice's
//! "exactly one party is the business" ([`super::joint::parties`]) has it among the options and
//! the identity settles its side ([`super::decide`]). Before this, a document addressed to the
//! business under a label the rules do not know offered only label words and address lines as
//! its recipient ("Kundenummer", "BOKS 1098", "Pour"), and the direction fell back to "the
//! business is mentioned" (confidence 60).

use serde_json::json;

use super::decide::Business;
use crate::extract::read::candidates::{same_value, Candidate, Evidence, Proposals};
use crate::extract::read::fold::key;
use crate::extract::read::names::label_at;
use crate::extract::read::segments::segments;

/// Priors of the printed business name as the recipient and as the issuer: among the top options
/// the model is offered (a recipient label's name has 2.0, the rules' own pick 3.0 more).
const AS_RECIPIENT: f64 = 1.0;
const AS_ISSUER: f64 = 0.5;

/// Where the rule that proposed these candidates is named.
pub const RULE: &str = "the business's name";

/// The shortest span of `segment` whose folded letters and digits contain `name_key`; `None`
/// when the segment does not print the name, or prints it inside a longer word.
fn span<'a>(segment: &'a str, name_key: &str) -> Option<&'a str> {
    if name_key.chars().count() < 4 || !key(segment).contains(name_key) {
        return None;
    }
    let ends: Vec<usize> = segment
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let mut end = *ends
        .iter()
        .find(|&&e| key(&segment[..e]).contains(name_key))?;
    let mut start = segment[..end]
        .char_indices()
        .map(|(i, _)| i)
        .rev()
        .find(|&s| key(&segment[s..end]).contains(name_key))?;
    // Trailing or leading punctuation inside the span is dropped; a span that cuts a word
    // ("Acme" in "Acmeon") is another name.
    let inside_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    if inside_word(segment[end..].chars().next())
        || inside_word(segment[..start].chars().next_back())
    {
        return None;
    }
    while segment[start..end].starts_with(|c: char| !c.is_alphanumeric()) {
        start += segment[start..].chars().next()?.len_utf8();
    }
    while segment[start..end].ends_with(|c: char| !c.is_alphanumeric() && c != '.' && c != ')') {
        end -= segment[..end].chars().next_back()?.len_utf8();
    }
    Some(&segment[start..end])
}

/// Every place `text` (layout text) prints `name`: (line, column, the span as printed).
pub fn printed(text: &str, name: &str) -> Vec<(usize, usize, String)> {
    let name_key = key(name);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for seg in segments(line) {
            // A leading label ("Bill to:") is not part of the name.
            let skip = label_at(&seg.text).map_or(0, |(_, n)| n);
            let rest: String = seg.text.chars().skip(skip).collect();
            let rest = rest.trim_start_matches([':', ' ', '-']);
            if let Some(s) = span(rest, &name_key) {
                out.push((i, seg.col, s.to_string()));
            }
        }
    }
    out
}

/// Offer the business's name, where `text` prints it, as a candidate of `from.name` and
/// `to.name` in `p` (a value already proposed is left as it is).
pub fn propose(p: &mut Proposals, text: &str, business: &Business<'_>) {
    let found = printed(text, business.name);
    let Some((line, col, name)) = found.first() else {
        return;
    };
    for (field, prior) in [("to.name", AS_RECIPIENT), ("from.name", AS_ISSUER)] {
        let Some(f) = p.fields.iter_mut().find(|f| f.field == field) else {
            continue;
        };
        let value = json!(name);
        if f.candidates.iter().any(|c| same_value(&c.value, &value)) {
            continue;
        }
        f.candidates.push(Candidate {
            value,
            printed: name.clone(),
            prior,
            evidence: Evidence {
                line: *line,
                col: *col,
                label: None,
                rule: RULE,
            },
        });
        f.candidates.sort_by(|a, b| b.prior.total_cmp(&a.prior));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_is_found_as_printed_after_a_label_and_inside_a_column() {
        let t = "Veidekke Industri AS          Faktura 2157520\n\
                 Odběratel: FREVAR KF, Postboks 1\n   Kunde    Eidsiva Vannkraft AS   Org.nr 1\n";
        let got = printed(t, "Frevar KF");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].2, "FREVAR KF");
        assert_eq!(got[0].0, 1);
        // A name inside a longer word is another name: "Acme" is not in "Acmeon".
        assert_eq!(span("Acmeon Ltd", "acme"), None);
        assert_eq!(span("Acme Corp.", "acmecorp"), Some("Acme Corp"));
        // In its own column, whatever the other columns hold.
        let got = printed(t, "Eidsiva Vannkraft AS");
        assert_eq!(
            got.iter().map(|g| g.2.as_str()).collect::<Vec<_>>(),
            ["Eidsiva Vannkraft AS"]
        );
        assert!(printed(t, "Nobody Here Ltd").is_empty());
        // Too short a name matches nothing.
        assert!(printed(t, "AS").is_empty());
    }
}
