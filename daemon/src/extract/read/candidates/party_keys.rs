//! Party names given as a key and its value: a party label with a name key ("Customer Name",
//! "Vendor Name", "Client name:") over or before the name, and a name key inside a party's
//! block ("Nabywca" … "Nazwa: F.H.U. Jan Kowalski", "Bill To" … "Name: Rasik"). Forms and
//! e-invoice viewers print parties this way; the block reading takes the key for the name.
//!
//! Prior: 2.0 on the label's side, −1.5 on the other (as a labelled block's name).

use crate::extract::read::fold::fold;
use crate::extract::read::names::{clean_name, label_at, name_like, FIELD_KEYS};
use crate::extract::read::segments::{at_column, segments};
use crate::extract::read::vocabulary::vocabulary;

/// Words that say "name" in a key (folded): the first [`FIELD_KEYS`] (the rest are address
/// keys).
const NAME_KEYS: &[&str] = FIELD_KEYS.split_at(15).0;

/// Lines above a block's name key where its party label may be.
const ABOVE: usize = 4;

/// The length in chars of a name key opening `f` (folded) and followed by `:` or its end.
fn name_key(f: &str) -> Option<usize> {
    let f = f.trim_start();
    NAME_KEYS
        .iter()
        .filter(|k| {
            f.strip_prefix(**k).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.is_empty() || rest.starts_with(':')
            })
        })
        .map(|k| k.chars().count())
        .max()
}

/// A party label followed by a name key opening `f` (folded): (side, chars up to the key's end).
fn compound(f: &str) -> Option<(&'static str, usize)> {
    let v = vocabulary();
    let lists = [
        ("to.name", &v.recipient_labels.billing),
        ("from.name", &v.issuer_labels),
    ];
    for (side, list) in lists {
        for l in list.iter() {
            let Some(after) = f.strip_prefix(l.as_str()) else {
                continue;
            };
            if !after.starts_with(' ') {
                continue;
            }
            let lead = after.chars().count() - after.trim_start().chars().count();
            if let Some(k) = name_key(after) {
                return Some((side, l.chars().count() + lead + k));
            }
        }
    }
    None
}

/// The side a label kind names: `to.name` for a billing label, `from.name` for an issuer's.
fn side(kind: &str) -> Option<&'static str> {
    match kind {
        "billing" => Some("to.name"),
        "issuer" => Some("from.name"),
        _ => None,
    }
}

/// The value after a key in `text` (after its colon), or the segment under it on the next line.
fn value(text: &str, key_end: usize, lines: &[&str], i: usize, col: usize) -> Option<String> {
    let rest: String = text.chars().skip(key_end).collect();
    let rest = rest.trim_start().trim_start_matches(':').trim();
    let v = if rest.is_empty() {
        at_column(lines.get(i + 1)?, col, 3)?.text
    } else {
        rest.to_string()
    };
    let v = clean_name(&v);
    (name_like(&v) && label_at(&v).is_none() && name_key(&fold(&v)).is_none()).then_some(v)
}

/// The party label over a name key at `col` on `line`: the label in the key's column, or a
/// heading alone on its line ("Datos del cliente" centred over "Razón social: …").
fn owner_label(line: &str, col: usize) -> Option<&'static str> {
    if let Some((kind, _)) = at_column(line, col, 3).and_then(|s| label_at(&s.text)) {
        return Some(kind);
    }
    match segments(line).as_slice() {
        [only] => label_at(&only.text).map(|(kind, _)| kind),
        _ => None,
    }
}

/// Names given by a key: (side, line of the value, column, name).
pub(super) fn propose(lines: &[&str]) -> Vec<(&'static str, usize, usize, String)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for seg in segments(line) {
            let f = fold(&seg.text);
            // "Customer Name" / "Vendor Name:": a party label, then a name key.
            if let Some((side, end)) = compound(&f) {
                if let Some(v) = value(&seg.text, end, lines, i, seg.col) {
                    out.push((side, i, seg.col, v));
                }
                continue;
            }
            if label_at(&seg.text).is_some() {
                continue;
            }
            // "Nazwa: …" under "Nabywca": a name key inside a party's block.
            let Some(k) = name_key(&f) else { continue };
            let owner = (1..=ABOVE)
                .filter_map(|d| i.checked_sub(d))
                .find_map(|j| owner_label(lines[j], seg.col))
                .and_then(side);
            if let (Some(side), Some(v)) = (owner, value(&seg.text, k, lines, i, seg.col)) {
                out.push((side, i, seg.col, v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_alone_on_its_line_owns_the_name_key_below_it() {
        let t = "FACTURA Nº 000001                   Fecha de emisión: 02-07-2022\n\
                 \x20                    Datos del cliente\n\
                 \x20Razón social: Ayala San Vicente Usureros . . . . . . . . . R.I.F.: Y-12.345.678-9\n";
        let lines: Vec<&str> = t.lines().collect();
        let got = propose(&lines);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0, got[0].3.as_str()),
            ("to.name", "Ayala San Vicente Usureros")
        );
    }

    #[test]
    fn a_name_key_under_a_party_label_or_joined_to_it_gives_the_name() {
        let ksef = "Sprzedawca                              Nabywca\n\
                    NIP: 9999999999                         NIP: 1111111111\n\
                    Nazwa: ABC Developex S.A.               Nazwa: F.H.U. Jan Kowalski\n";
        let lines: Vec<&str> = ksef.lines().collect();
        let got = propose(&lines);
        assert!(
            got.contains(&("to.name", 2, 40, "F.H.U. Jan Kowalski".to_string())),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|g| g.0 == "from.name" && g.3 == "ABC Developex S.A."),
            "{got:?}"
        );
        let trip = "Customer Name                       Customer GSTIN\n\
                    Rasik Rasik                         Unregistered\n\
                    Vendor Name: Gozo Technologies Pvt Ltd\n";
        let lines: Vec<&str> = trip.lines().collect();
        let got = propose(&lines);
        assert!(
            got.iter().any(|g| g.0 == "to.name" && g.3 == "Rasik Rasik"),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|g| g.0 == "from.name" && g.3 == "Gozo Technologies Pvt Ltd"),
            "{got:?}"
        );
    }
}
