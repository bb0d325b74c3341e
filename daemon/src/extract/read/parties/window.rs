//! Unlabelled address blocks (a window envelope's): aligned lines in one column ending in a
//! postal code, whose first line is a name. Nothing printed says whose block it is.

use super::super::names::{clean_name, name_like, postal_re};
use super::super::segments::{at_column, segments};
use super::block::Party;

/// An unlabelled address block (a window envelope's): aligned lines, one with a postal code,
/// not the issuer's; the first of [`address_blocks`] away from the issuer's line.
pub(super) fn address_window(lines: &[&str], issuer: &Party) -> Party {
    let issuer_line = issuer.line.unwrap_or(usize::MAX);
    address_blocks(lines)
        .into_iter()
        .find(|b| b.line.is_some_and(|top| top.abs_diff(issuer_line) > 1))
        .unwrap_or_default()
}

/// Every unlabelled address block of the first 30 lines (before a page break), top to bottom:
/// up to four aligned lines in one column, the last with a postal code, the first name-like —
/// the name —, the others its address. Whose it is, the block does not say.
pub(super) fn address_blocks(lines: &[&str]) -> Vec<Party> {
    let postal = postal_re();
    let mut out: Vec<Party> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(30) {
        if *line == "\u{c}" {
            break;
        }
        for seg in segments(line) {
            if !postal.is_match(&seg.text) || i < 1 {
                continue;
            }
            // Walk up the column to the block's first line: the name.
            let mut top = i;
            while top > 0 {
                match at_column(lines[top - 1], seg.col, 2) {
                    Some(s) if !s.text.is_empty() && i - (top - 1) <= 3 => top -= 1,
                    _ => break,
                }
            }
            // A web or e-mail address over the block is not its first line: the block starts
            // at the name under it ("www.lehr.honestiy.de" over "Marktkauf Lehr" / "Detmolder
            // Str. 4" / "33102 Paderborn").
            while top + 1 < i && at_column(lines[top], seg.col, 2).is_some_and(|s| web(&s.text)) {
                top += 1;
            }
            if top == i || out.iter().any(|b| b.line == Some(top)) {
                continue;
            }
            let Some(name) = at_column(lines[top], seg.col, 2) else {
                continue;
            };
            if !name_like(&name.text) {
                continue;
            }
            let address: Vec<String> = (top + 1..=i)
                .filter_map(|k| at_column(lines[k], seg.col, 2).map(|s| s.text))
                .collect();
            out.push(Party {
                col: Some(name.col),
                last_line: Some(i),
                name: Some(clean_name(&name.text)),
                address: (!address.is_empty()).then(|| address.join(", ")),
                line: Some(top),
                rule: Some("address block".into()),
                confidence: 60,
                ..Default::default()
            });
        }
    }
    out
}

/// Whether `s` holds a web or e-mail address: "www", "http", an "@", or a host name of three
/// or more parts of two or more letters or digits ("wwnw.tohr.honestly.do", as OCR misreads
/// one; a company's "Amazon.com" is two parts and stays a name).
fn web(s: &str) -> bool {
    let l = s.to_lowercase();
    let host = |t: &str| {
        let parts: Vec<&str> = t
            .trim_matches(|c: char| !c.is_alphanumeric())
            .split('.')
            .collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                p.chars().count() >= 2 && p.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
    };
    l.contains("www") || l.contains("http") || l.contains('@') || l.split_whitespace().any(host)
}
