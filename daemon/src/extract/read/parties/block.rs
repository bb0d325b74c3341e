//! A party's block: the column of lines below a label or a letterhead — the party's name (when
//! not read beside the label) and its address, up to where the block ends.

use serde::Serialize;

use super::super::names::{
    address_label, after_label, clean_name, email_in, is_title, label_at, name_like,
    numbered_title, postal_re,
};
use super::super::segments::{at_column, segments, Segment};

/// One party as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Party {
    pub name: Option<String>,
    pub address: Option<String>,
    pub email: Option<String>,
    /// 0-based line of the name.
    pub line: Option<usize>,
    /// The rule that found the name.
    pub rule: Option<String>,
    /// 0–100.
    pub confidence: i64,
    /// 0-based last line of the party's block (name and address).
    #[serde(skip)]
    pub last_line: Option<usize>,
    /// Char column of the party's block.
    #[serde(skip)]
    pub col: Option<usize>,
}

/// A block that opens at `line` (0-based), column `col`: name and address below it. A label on
/// the name's line is read through ("Bill to: / ATTN: Acme") when `through_labels`; any other
/// label ends the block.
pub(super) fn block_below(lines: &[&str], line: usize, col: usize, through_labels: bool) -> Party {
    block(lines, line, col, through_labels, None)
}

/// What one line of a block is.
enum Step {
    /// Not part of the block, which goes on (an address label alone, a tax number's line).
    Skip,
    /// The block has ended.
    End,
    /// The text in the block's column.
    Text(String),
}

/// [`block_below`], or with the name already known (`name`, read beside the label) only the
/// address below it.
///
/// The block ends at a blank line after its address, a page break, a row of table column words,
/// a document title, a line stating money, another label, a field ("Order Date: …"), a
/// sentence, or — once a line ending in a postal code was read — anything but another postal
/// line or a short country or region line. A line with text only in other columns is a gap in
/// this one (two columns printed side by side), not its end. An address label inside the block
/// ("Adresse de l'installation", "Warehouse Address: …") is read through: its value, if any, is
/// an address line; a tax number's line ("NIP: …") is passed over.
pub(super) fn block(
    lines: &[&str],
    line: usize,
    col: usize,
    through_labels: bool,
    name: Option<String>,
) -> Party {
    let mut p = Party {
        name,
        col: Some(col),
        ..Party::default()
    };
    let mut addr: Vec<String> = Vec::new();
    let (mut blanks, mut gaps, mut postal_seen) = (0, 0, false);
    for (k, &l) in lines.iter().enumerate().take(line + 9).skip(line + 1) {
        if l == "\u{c}" || super::super::lines::is_header(l) || column_words(l) {
            break;
        }
        if l.trim().is_empty() {
            blanks += 1;
            if blanks > 1 || p.name.is_some() && !addr.is_empty() {
                break;
            }
            continue;
        }
        let Some(seg) = at_column(l, col, 3) else {
            gaps += 1;
            if gaps > 2 {
                break;
            }
            continue;
        };
        gaps = 0;
        let text = match step(l, &seg, p.name.is_some(), through_labels) {
            Step::Skip => continue,
            Step::End => break,
            Step::Text(t) => t,
        };
        if let Some(e) = email_in(&text) {
            p.email = p.email.or(Some(e));
            p.last_line = Some(k);
        } else if p.name.is_none() {
            if name_like(&text) {
                p.name = Some(clean_name(&text));
                p.line = Some(k);
                p.last_line = Some(k);
            }
        } else if postal_seen && !country_line(&text) && !postal_re().is_match(&text) {
            break;
        } else if !text.chars().any(char::is_alphabetic) {
            // A bare number beside its label in another column ("NIP:   5261040828").
        } else if addr.len() < 4 {
            // "OYO 4189 Resort Nanganallur,": a trailing comma says the address goes on.
            postal_seen |= postal_re().is_match(&text) && !text.ends_with(',');
            addr.push(text);
            p.last_line = Some(k);
        }
    }
    if !addr.is_empty() {
        p.address = Some(addr.join(", "));
    }
    p
}

/// The text of `seg`, the segment of line `l` in the block's column; `named`: the block's name
/// is known, so the text can only be an address line.
fn step(l: &str, seg: &Segment, named: bool, through_labels: bool) -> Step {
    let mut text = seg.text.clone();
    if let Some((_, n)) = label_at(&text) {
        if named || !through_labels {
            return Step::End;
        }
        text = after_label(&text, n);
    }
    if is_title(&text) || numbered_title(&text) {
        return Step::End;
    }
    if !named {
        return Step::Text(text);
    }
    // "Adres:      Chemików 7 …": the value across the column gap.
    let across = || {
        segments(l)
            .into_iter()
            .find(|s| s.col > seg.col)
            .map(|s| s.text)
            .unwrap_or_default()
    };
    match address_label(&text) {
        Some(value) if value.is_empty() && across().is_empty() => Step::Skip,
        Some(value) if value.is_empty() => Step::Text(across()),
        Some(value) => Step::Text(value),
        // A tax number inside the block ("NIP: …", read by `tax_ids`).
        None if !super::super::tax_ids::labelled(&text).is_empty()
            || !super::super::tax_ids::labelled(l).is_empty() && text.ends_with(':') =>
        {
            Step::Skip
        }
        // "Order Date: 15-10-2015": another field, not an address line; "… bezahlt:" a sentence.
        None if text
            .split_once(':')
            .is_some_and(|(l, _)| l.split_whitespace().count() <= 3)
            || text.ends_with(':') =>
        {
            Step::End
        }
        // Address lines are short; a sentence, a legal footer or an item row ends the block.
        None if text.split_whitespace().count() > 10
            || text.chars().count() > 60
            || crate::extract::values::states_money(&text) =>
        {
            Step::End
        }
        None => Step::Text(text),
    }
}

/// Whether `line` is a row of table column words ("Description   Quantity", an item table's
/// header even without an amount column).
fn column_words(line: &str) -> bool {
    let segs = segments(line);
    segs.len() >= 2
        && segs
            .iter()
            .all(|s| super::super::lines::column_kind(&s.text).is_some())
}

/// A line that may follow an address's postal code: a country or region ("United Kingdom",
/// "HK"), at most three words, no digits.
fn country_line(text: &str) -> bool {
    text.split_whitespace().count() <= 3 && !text.chars().any(|c| c.is_ascii_digit())
}
