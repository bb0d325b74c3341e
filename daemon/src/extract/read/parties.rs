//! Who issued the document and to whom it is addressed, from the layout text.
//!
//! **Labelled blocks.** A column segment that starts with a party label (`issuer_labels`,
//! `recipient_labels` in `schema/reading/vocabulary.json`: "Bill to", "Sold by", "Facturé à",
//! "Rechnungsempfänger", "Cliente" …) followed by `:` or nothing opens a block: the party's name is
//! the rest of the segment, or the first name-like segment below it in the same column (a label
//! there, like "ATTN:", is skipped over); the next lines of that column are its address. A
//! section heading that ends with a party label ("Informationen zum Verkäufer") opens one on a
//! key–value page: the name is the value of its name key below ("Firmenname: …", [`heading`]).
//!
//! **Issuer** candidates, best first: a seller label (score 100); a company name with its legal
//! form outside the recipient's block ("Free SAS", "Oravel Stays Private Limited", 80); the payee
//! of a "payable to" / "in favour of" phrase (75); the letterhead — the first name-like segment at
//! the top of the first page that is not a title, a label, a date, an amount, an e-mail, a URL or
//! a phone number (70). A letterhead that shares a word with a legal-form name gives way to it
//! (the exact legal name). Title words are cut off a letterhead ("Amazon Web Services Invoice").
//!
//! **Recipient**: a billing label's block, else a shipping label's; else an unlabelled address
//! block (two to five aligned lines with a postal code) other than the issuer's.
//!
//! Names are never e-mail addresses: an e-mail found in a block becomes the party's `email`.
//! Where a block ends, and what in it is an address line, is [`block`]'s.

use serde::Serialize;

use super::fold::{fold, has_words};
use super::names::{
    after_label, clean_name, email_in, has_legal_form, is_title, label_at, legal_form_alone,
    legal_name_re, name_like, postal_re, sender_line,
};
use super::segments::{segments, Segment};
use super::vocabulary::vocabulary;
pub use block::Party;
use block::{block, block_below};
use window::{address_blocks, address_window};

mod block;
mod heading;
mod window;

/// Both parties, plus the shipping party when a separate block names one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Parties {
    pub issuer: Party,
    pub recipient: Party,
    pub ship_to: Option<Party>,
}

/// Labelled blocks: (kind, party) in reading order. On a purchase order the supplier labels
/// ("Vendor", "Lieferant" …) name the recipient.
fn labelled(lines: &[&str], document_kind: &str) -> Vec<(&'static str, Party)> {
    let mut out = Vec::new();
    let po_vendor = |text: &str| {
        let f = fold(text);
        document_kind == "purchase_order"
            && vocabulary()
                .purchase_order_vendor_labels
                .labels
                .iter()
                .any(|l| f.starts_with(l.as_str()))
    };
    for (i, line) in lines.iter().enumerate() {
        for seg in segments(line) {
            let Some((kind, n)) = label_at(&seg.text) else {
                // A section heading of a key–value page ("Informationen zum Verkäufer").
                if let Some((kind, mut p)) = heading::party(lines, i, &seg.text) {
                    p.confidence = if kind == "issuer" { 90 } else { 85 };
                    out.push((kind, p));
                }
                continue;
            };
            let kind = if kind == "issuer" && po_vendor(&seg.text) {
                "billing"
            } else {
                kind
            };
            let rest = after_label(&seg.text, n);
            let mut p = if !rest.is_empty() && name_like(&rest) {
                Party {
                    line: Some(i),
                    ..block(lines, i, seg.col, false, Some(clean_name(&rest)))
                }
            } else if let Some(b) = rest.is_empty().then(|| beside(line, &seg)).flatten() {
                Party {
                    line: Some(i),
                    ..block(lines, i, b.col, false, Some(clean_name(&b.text)))
                }
            } else if let Some(p) = rest
                .is_empty()
                .then(|| heading::below_label(lines, i, seg.col))
                .flatten()
            {
                p
            } else if rest.is_empty() || email_in(&rest).is_some() {
                let mut b = block_below(lines, i, seg.col, true);
                if let Some(e) = email_in(&rest) {
                    b.email = Some(e);
                }
                b
            } else {
                continue;
            };
            if p.name.is_none() {
                continue;
            }
            let label: String = seg.text.chars().take(n).collect();
            p.rule = Some(format!("label: {}", label.trim()));
            p.confidence = if kind == "issuer" { 90 } else { 85 };
            out.push((kind, p));
        }
    }
    out
}

/// The name printed beside a label that ends with its colon, across a column gap
/// ("Nabywca:           GŁÓWNY URZĄD STATYSTYCZNY"): the next segment of `line` when it is
/// name-like and neither a label nor a table column's word.
fn beside(line: &str, label: &Segment) -> Option<Segment> {
    if !label.text.trim_end().ends_with(':') {
        return None;
    }
    segments(line)
        .into_iter()
        .find(|s| s.col > label.col)
        .filter(|s| {
            name_like(&s.text)
                && label_at(&s.text).is_none()
                && super::lines::column_kind(&s.text).is_none()
        })
}

/// Company names with a legal form printed anywhere: (line, name).
fn legal_names(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for seg in segments(line) {
            for c in legal_name_re().captures_iter(&seg.text) {
                let n = clean_name(&c[1]);
                // Drop leading small words picked up before the name ("by", "of"), not the
                // first letter of a camel-case word ("iSolar").
                let first = n
                    .split_whitespace()
                    .find(|w| w.chars().any(|c| c.is_uppercase() || c.is_ascii_digit()))
                    .and_then(|w| n.find(w))
                    .unwrap_or(0);
                let n = n[first..]
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .to_string();
                if name_like(&n) && n.split_whitespace().count() >= 2 {
                    out.push((i, n));
                }
            }
        }
    }
    out
}

/// The payee of a "payable to" / "account holder" phrase: (line, name).
fn payee(lines: &[&str]) -> Option<(usize, String)> {
    for (i, line) in lines.iter().enumerate() {
        let f = fold(line);
        let Some(label) = vocabulary().payee_labels.iter().find(|l| has_words(&f, l)) else {
            continue;
        };
        // Folding keeps one char per char here (no ß in a payee label): cut by chars.
        let at = f.find(label.as_str()).unwrap_or(0) + label.len();
        let rest: String = line.chars().skip(f[..at].chars().count()).collect();
        let rest = rest
            .trim_start_matches(|c: char| c == ':' || c.is_whitespace())
            .trim();
        let cand = if rest.is_empty() {
            lines
                .get(i + 1)
                .map(|l| l.trim().to_string())
                .unwrap_or_default()
        } else {
            rest.split("   ")
                .next()
                .unwrap_or("")
                .split(" - ")
                .next()
                .unwrap_or("")
                .to_string()
        };
        if name_like(&cand) {
            return Some((i, clean_name(&cand)));
        }
    }
    None
}

/// The letterhead: the first name-like segment in the first lines of page 1, outside `skip`
/// lines (labelled blocks): (line, name, column).
fn letterhead(lines: &[&str], skip: &[usize]) -> Option<(usize, String, usize)> {
    for (i, line) in lines.iter().enumerate().take(12) {
        // The letterhead is above the item table.
        if *line == "\u{c}" || super::lines::is_header(line) {
            break;
        }
        if skip.contains(&i) {
            continue;
        }
        for seg in segments(line) {
            let name = clean_name(&seg.text);
            let f = fold(&name);
            let title_only = is_title(&name);
            let column_word = super::lines::column_kind(&seg.text).is_some();
            // A word of a title OCR spread apart ("PURCHASE      ORDER").
            let collapsed = fold(&line.split_whitespace().collect::<Vec<_>>().join(" "));
            let title_word = vocabulary()
                .document_kinds
                .folded
                .iter()
                .any(|p| p.contains(' ') && has_words(&collapsed, p) && has_words(p, &f));
            // A name, not a legal footer ("Free SAS au capital de 3.441.812 Euros − …").
            if name_like(&name)
                && name.split_whitespace().count() <= 8
                && !title_only
                && !super::names::is_furniture(&name)
                && !title_word
                && !column_word
                && label_at(&seg.text).is_none()
                && !is_address_window(lines, i, seg.col)
                && !name.ends_with(['!', '?'])
            {
                return Some((i, continued(lines, i, seg.col, name), seg.col));
            }
        }
    }
    None
}

/// `name` at (`line`, `col`) with the legal form printed alone below it ("Rightchoice
/// Packaging" / "Company").
fn continued(lines: &[&str], line: usize, col: usize, name: String) -> String {
    let below = lines.get(line + 1).map(|l| segments(l)).unwrap_or_default();
    match below.iter().find(|s| s.col.abs_diff(col) <= 4) {
        Some(s) if legal_form_alone(&s.text) => format!("{name} {}", s.text.trim()),
        _ => name,
    }
}

/// Whether the block at (`line`, `col`) is an address window on the right of the page: it
/// starts past the middle of a wide line and a postal code follows within four lines.
fn is_address_window(lines: &[&str], line: usize, col: usize) -> bool {
    if col < 35 {
        return false;
    }
    (line + 1..lines.len().min(line + 5)).any(|k| {
        super::segments::at_column(lines[k], col, 3).is_some_and(|s| postal_re().is_match(&s.text))
    })
}

fn significant_words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// The rule of a company name printed over an address block's first two lines, its legal form
/// on the second ([`names_offered`]).
pub const LEGAL_NAME_OVER_TWO_LINES: &str = "legal name over two lines";

/// A party name the text offers, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NameOffered {
    /// `issuer`, `recipient` or `either` (a name with a legal form, wherever it is printed).
    pub role: &'static str,
    /// 0-based line.
    pub line: usize,
    pub name: String,
    /// `label`, `letterhead`, `payee`, `legal form`, [`LEGAL_NAME_OVER_TWO_LINES`] or `address
    /// block` (an unlabelled block ending in a postal code: [`address_blocks`]).
    pub rule: &'static str,
}

/// Every name the text offers for a party: labelled blocks, the letterhead, the payee, every
/// name with a legal form and the first line of every unlabelled address block. Candidates for
/// [`super::candidates`], ranked there.
pub fn names_offered(text: &str, document_kind: &str) -> Vec<NameOffered> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut push = |role, line, name: String, rule| {
        out.push(NameOffered {
            role,
            line,
            name,
            rule,
        })
    };
    for (kind, p) in labelled(&lines, document_kind) {
        if let (Some(n), Some(l)) = (p.name, p.line) {
            push(
                if kind == "issuer" {
                    "issuer"
                } else {
                    "recipient"
                },
                l,
                n,
                "label",
            );
        }
    }
    if let Some((l, n, _)) = letterhead(&lines, &[]) {
        push("issuer", l, n, "letterhead");
    }
    if let Some((l, n)) = payee(&lines) {
        push("issuer", l, n, "payee");
    }
    for (l, n) in legal_names(&lines) {
        push("either", l, n, "legal form");
    }
    // A block's first line with a digit is a street more likely than a name (a block of a
    // street and its town, the name printed elsewhere): not offered.
    let named = |s: &str| name_like(s) && !s.chars().any(|c| c.is_ascii_digit());
    for b in address_blocks(&lines) {
        if let (Some(l), Some(n), Some(col)) = (b.line, b.name, b.col) {
            // A company name printed over the block's first two lines, its legal form on the
            // second ("MEDIA MARKT" / "TV-Hifi-Elektro GmbH Paderborn"): both lines as one
            // legal name, beside the second line's own (a name with a legal form above).
            if named(&n) {
                let second = lines
                    .get(l + 1)
                    .and_then(|s| super::segments::at_column(s, col, 2))
                    .filter(|s| named(&s.text) && has_legal_form(&s.text));
                if let Some(s) = second.filter(|_| !has_legal_form(&n)) {
                    let joined = format!("{n} {}", clean_name(&s.text));
                    push("either", l, joined, LEGAL_NAME_OVER_TWO_LINES);
                }
                push("either", l, n, "address block");
            }
            // A name printed a line above its block, with a line left free between them
            // ("FORSVARET" over "FORSVARETS REGNSKAPSADMINISTRASJON", a department, and its
            // post-office box).
            let at = |k: usize| super::segments::at_column(lines[k], col, 2);
            if l >= 2 && at(l - 1).is_none_or(|s| s.text.is_empty()) {
                if let Some(s) = at(l - 2).filter(|s| named(&s.text)) {
                    push("either", l - 2, clean_name(&s.text), "address block");
                }
            }
        }
    }
    out
}

/// Read both parties of `text`, a document of `document_kind` (see [`super::kind`]).
pub fn read(text: &str, document_kind: &str) -> Parties {
    let lines: Vec<&str> = text.lines().collect();
    let blocks = labelled(&lines, document_kind);
    let mut parties = Parties::default();
    let taken: Vec<usize> = blocks
        .iter()
        .filter(|(k, _)| *k != "issuer")
        .flat_map(|(_, p)| match (p.line, p.last_line) {
            (Some(a), Some(b)) => (a.saturating_sub(1)..=b.max(a)).collect::<Vec<_>>(),
            (Some(a), None) => vec![a.saturating_sub(1), a],
            _ => Vec::new(),
        })
        .collect();
    if let Some((_, p)) = blocks.iter().find(|(k, _)| *k == "billing") {
        parties.recipient = p.clone();
    }
    if let Some((_, p)) = blocks.iter().find(|(k, _)| *k == "shipping") {
        if parties.recipient.name.is_none() {
            parties.recipient = p.clone();
        } else {
            parties.ship_to = Some(p.clone());
        }
    }
    parties.issuer = issuer(&lines, &blocks, &taken, &parties.recipient);
    if parties.recipient.name.is_none() {
        parties.recipient = match (&parties.issuer, parties.issuer.line) {
            // Below a sender line: the window's address block.
            (q, Some(line)) if q.last_line == Some(line) && q.address.is_some() => {
                let mut p = block_below(&lines, line, q.col.unwrap_or(0), true);
                p.rule = Some("below the sender line".into());
                p.confidence = 60;
                p
            }
            _ => address_window(&lines, &parties.issuer),
        };
    }
    parties
}

fn issuer(
    lines: &[&str],
    blocks: &[(&'static str, Party)],
    taken: &[usize],
    recipient: &Party,
) -> Party {
    if let Some((_, p)) = blocks.iter().find(|(k, _)| *k == "issuer") {
        return p.clone();
    }
    let recipient_key = recipient.name.as_deref().map(super::fold::key);
    let legal: Vec<(usize, String)> = legal_names(lines)
        .into_iter()
        .filter(|(l, n)| {
            !taken.contains(l) && recipient_key.as_deref() != Some(&super::fold::key(n))
        })
        .collect();
    let head = letterhead(lines, taken);
    if let Some((line, name, col)) = &head {
        let words = significant_words(name);
        let exact = legal
            .iter()
            .find(|(_, n)| significant_words(n).iter().any(|w| words.contains(w)));
        let raw = super::segments::at_column(lines[*line], *col, 0).map(|s| s.text);
        let mut p = match raw.as_deref().and_then(sender_line) {
            // A sender line: its address on it, the recipient's window below.
            Some((_, address)) => Party {
                address: Some(address),
                last_line: Some(*line),
                col: Some(*col),
                ..Party::default()
            },
            // Below the letterhead: its address.
            None => block(lines, *line, *col, false, Some(name.clone())),
        };
        p.line = Some(*line);
        let letterhead_is_legal = legal_name_re().is_match(name);
        (p.name, p.rule, p.confidence) = match exact {
            // A letterhead with its own legal form is the full name ("Harinas del Norte S.A."
            // over "Norte S.A." read elsewhere).
            Some(_) if letterhead_is_legal => (Some(name.clone()), Some("letterhead".into()), 85),
            Some((_, legal)) => (
                Some(legal.clone()),
                Some("letterhead + legal name".into()),
                85,
            ),
            None if legal.is_empty() => (Some(name.clone()), Some("letterhead".into()), 70),
            None => {
                // The letterhead is not the issuer's name: its block is not the issuer's address.
                p.address = None;
                (Some(legal[0].1.clone()), Some("legal name".into()), 65)
            }
        };
        if p.address.is_none() {
            p.address = address_below_name(lines, p.name.as_deref(), *line);
        }
        return p;
    }
    if let Some((line, name)) = payee(lines).or_else(|| legal.first().cloned()) {
        return Party {
            name: Some(name),
            line: Some(line),
            rule: Some("legal name".into()),
            confidence: 65,
            ..Default::default()
        };
    }
    Party::default()
}

/// The address below the issuer's legal name printed again as a block's first line, when the
/// letterhead gave none ("Receipt from Notion Labs, Inc." above; "Notion Labs, Inc." / street /
/// town further down). Not on the letterhead's own line; only an address with a postal code.
fn address_below_name(lines: &[&str], name: Option<&str>, letterhead: usize) -> Option<String> {
    let name = name?;
    legal_names(lines)
        .iter()
        .filter(|(l, n)| *l != letterhead && n == name)
        .find_map(|(l, n)| {
            let seg = segments(lines[*l])
                .into_iter()
                .find(|s| s.text.trim_end_matches([',', '.']) == n.trim_end_matches([',', '.']))?;
            // An address, not bank details below a payee's name: it has a postal code.
            block(lines, *l, seg.col, false, Some(n.clone()))
                .address
                .filter(|a| postal_re().is_match(a))
        })
}

#[cfg(test)]
mod tests;
