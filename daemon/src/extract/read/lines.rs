//! The item table: a header row naming at least two columns (`table_columns` in
//! `schema/reading/vocabulary.json`: description, quantity, unit price, tax, amount — several
//! languages) with an amount or price column among them; then the rows below it, until a totals
//! row (`totals_labels`), two blank lines or the end of the page.
//!
//! A row is a line with an amount in its last numeric column: its description is the text left of
//! the first numeric column (or of the numbers), its numbers are assigned to the header's columns
//! by position (nearest column start or end). Lines without amounts under a row (notes, wrapped
//! text, product codes) are kept as its `details`; its description is its first line.
//!
//! Several amount columns (net, tax, gross): every row keeps its net amount (`amount`) and the
//! gross one (`gross`); [`Table::amounts_for`] picks the column whose sum matches the subtotal or
//! the total.

use serde::Serialize;

use super::fold::{fold, has_words};
use super::segments::{segments, Segment};
use super::vocabulary::vocabulary;
use crate::extract::candidates::amounts_in;
use crate::extract::money::{self, cents};
use rust_decimal::Decimal;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub description: String,
    #[serde(serialize_with = "money::serialize_opt")]
    pub quantity: Option<Decimal>,
    #[serde(serialize_with = "money::serialize_opt")]
    pub unit_price: Option<Decimal>,
    /// The line's amount in the amount column (before tax when the table has a tax column).
    #[serde(serialize_with = "money::serialize")]
    pub amount: Decimal,
    /// Tax of the line, when the table has a tax amount column.
    #[serde(serialize_with = "money::serialize_opt")]
    pub tax: Option<Decimal>,
    /// The last amount on the row when it differs from `amount` (a gross total column).
    #[serde(serialize_with = "money::serialize_opt")]
    pub gross: Option<Decimal>,
    /// 0-based text line.
    pub line: usize,
    /// Text printed under the row before the next one (notes, specifications).
    pub details: Vec<String>,
}

/// The table found in a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// 0-based line of the header row.
    pub header_line: usize,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
struct Column {
    kind: &'static str,
    start: usize,
    end: usize,
}

/// The kind of table column a header cell names: `description`, `quantity`, `unit_price`,
/// `tax`, `amount` or `balance`.
pub fn column_kind(text: &str) -> Option<&'static str> {
    let f = fold(text);
    let f = f.trim_matches(|c: char| !c.is_alphanumeric() && c != '%');
    let v = vocabulary();
    // Most specific first: "unit price" before "price", "tax" before "amount".
    for kind in [
        "quantity",
        "unit_price",
        "tax",
        "balance",
        "amount",
        "description",
    ] {
        let words = &v.table_columns[kind];
        if words.iter().any(|w| {
            f == w.as_str()
                || f.starts_with(&format!("{w} ")) && f.split_whitespace().count() <= 4
                || has_words(f, w) && f.split_whitespace().count() <= 3
        }) {
            return Some(match kind {
                "quantity" => "quantity",
                "unit_price" => "unit_price",
                "tax" => "tax",
                "balance" => "balance",
                "amount" => "amount",
                _ => "description",
            });
        }
    }
    None
}

/// Whether `line` is an item table's header row.
pub fn is_header(line: &str) -> bool {
    header(line).is_some()
}

/// Whether `value`, printed on line `line` of `lines`, is printed again at the same column
/// (within two characters, as a whole word) on at least two later lines: a column of the item
/// table (each line's credited invoice, order or delivery note), not a header field. Values
/// under four characters (a quantity "1") never count.
pub fn repeated_in_column(lines: &[&str], line: usize, value: &str) -> bool {
    // A reference, not a count or a price: four characters or more, whole words.
    if value.chars().count() < 4 {
        return false;
    }
    let at = |l: &str| {
        l.match_indices(value)
            .find(|(b, _)| {
                let before = l[..*b].chars().next_back();
                let after = l[b + value.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
            .map(|(b, _)| l[..b].chars().count())
    };
    let Some(col) = lines.get(line).and_then(|l| at(l)) else {
        return false;
    };
    let again = lines
        .iter()
        .skip(line + 1)
        .filter(|l| at(l).is_some_and(|c| c.abs_diff(col) <= 2))
        .count();
    again >= 2
}

/// The header's columns when `line` is a table header.
fn header(line: &str) -> Option<Vec<Column>> {
    let segs = segments(line);
    if segs.len() < 2 {
        return None;
    }
    let cols: Vec<Column> = segs
        .iter()
        .filter_map(|s| {
            column_kind(&s.text).map(|kind| Column {
                kind,
                start: s.col,
                end: s.end(),
            })
        })
        .collect();
    let numeric = cols
        .iter()
        .filter(|c| matches!(c.kind, "amount" | "unit_price"))
        .count();
    (cols.len() >= 2 && cols.len() * 2 >= segs.len() && numeric >= 1 && amounts_in(line).is_empty())
        .then_some(cols)
}

/// Whether `line` ends the item rows: its first column opens with a totals label, or a count
/// of the items ("ANZAHL ARTIKEL   15", "Total qty 3"), which is no item of its own.
fn is_totals(line: &str) -> bool {
    let f = fold(line);
    let first = segments(line)
        .into_iter()
        .next()
        .map(|s| fold(&s.text))
        .unwrap_or_default();
    let v = vocabulary();
    v.totals_labels.iter().any(|t| {
        first.starts_with(t.as_str())
            || (has_words(&f, t) && first.split_whitespace().count() <= 3 && has_words(&first, t))
    }) || v.count_labels.iter().any(|t| first.starts_with(t.as_str()))
}

/// Whether a segment is a number cell: a number with at most a currency sign or code around it.
fn numeric(text: &str) -> bool {
    let letters: String = text.chars().filter(|c| c.is_alphabetic()).collect();
    let letters = letters.to_lowercase();
    letters.len() <= 3 && !amounts_in(text).is_empty() && amounts_in(text).len() <= 2
        || matches!(
            letters.as_str(),
            "eur" | "usd" | "gbp" | "inr" | "chf" | "rs" | "ttc" | "ht"
        )
}

/// Number cells of a row with their char columns: (start, end, value, is a percentage).
fn numbers(segs: &[Segment]) -> Vec<(usize, usize, Decimal, bool)> {
    let mut out = Vec::new();
    for s in segs.iter().filter(|s| numeric(&s.text)) {
        let pct = s.text.trim_end().ends_with('%');
        if let Some(v) = amounts_in(&s.text).last() {
            out.push((s.col, s.end(), *v, pct));
        }
    }
    out
}

fn nearest<'a>(cols: &'a [Column], start: usize, end: usize) -> Option<&'a Column> {
    cols.iter()
        .filter(|c| c.kind != "description")
        .min_by_key(|c| c.end.abs_diff(end).min(c.start.abs_diff(start)))
}

/// Read one row; `None` when the line has no amount.
fn row(line: &str, i: usize, cols: &[Column]) -> Option<Row> {
    let segs = segments(line);
    // Position numbers left of the description column ("1", "2" …) are not values.
    let desc_start = cols
        .iter()
        .find(|c| c.kind == "description")
        .map(|c| c.start)
        .unwrap_or(0);
    let nums: Vec<_> = numbers(&segs)
        .into_iter()
        .filter(|n| desc_start == 0 || n.1 > desc_start)
        .collect();
    // The row's amount: the last number under an amount, price or tax column (a balance column
    // is not the row's amount).
    let &(_, _, last, _) = nums.iter().rev().find(|n| {
        !n.3 && matches!(
            nearest(cols, n.0, n.1).map(|c| c.kind),
            Some("amount" | "unit_price" | "tax")
        )
    })?;
    let first_num_col = nums.first().map(|n| n.0).unwrap_or(usize::MAX);
    let description: Vec<&str> = segs
        .iter()
        .filter(|s| s.col < first_num_col && !(numeric(&s.text) && s.end() <= desc_start))
        .filter(|s| !numeric(&s.text))
        .map(|s| s.text.as_str())
        .collect();
    let description = description.join(" ");
    if description.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return None;
    }
    let mut r = Row {
        description,
        quantity: None,
        unit_price: None,
        amount: last,
        tax: None,
        gross: None,
        line: i,
        details: Vec::new(),
    };
    let mut amount_cols: Vec<Decimal> = Vec::new();
    for &(s, e, v, pct) in &nums {
        if pct {
            continue;
        }
        match nearest(cols, s, e).map(|c| c.kind) {
            Some("quantity") => r.quantity = r.quantity.or(Some(v)),
            Some("unit_price") => r.unit_price = r.unit_price.or(Some(v)),
            Some("tax") => r.tax = Some(v),
            Some("balance") => {}
            _ => amount_cols.push(v),
        }
    }
    repair_decimals(&mut r);
    if let Some(first) = amount_cols.first() {
        r.amount = *first;
        if amount_cols.len() > 1 && last != *first {
            r.gross = Some(last);
        }
    }
    Some(r)
}

/// OCR drops decimal separators ("39,33" read as "3933"): an amount that is quantity × unit
/// price times 10 or 100 is quantity × unit price.
fn repair_decimals(r: &mut Row) {
    if let (Some(q), Some(p)) = (r.quantity, r.unit_price) {
        let Some(want) = q.checked_mul(p) else {
            return;
        };
        let tol = Decimal::new(11, 3);
        if (r.amount - want).abs() > tol
            && [Decimal::TEN, Decimal::ONE_HUNDRED]
                .iter()
                .any(|f| (r.amount - want * f).abs() < tol * f)
        {
            r.amount = money::round(want, 2);
        }
    }
}

/// Find the item table of `text`.
pub fn read(text: &str) -> Option<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let (h, cols) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| header(l).map(|c| (i, c)))?;
    let mut rows: Vec<Row> = Vec::new();
    let mut blanks = 0;
    for (i, line) in lines.iter().enumerate().skip(h + 1) {
        if *line == "\u{c}" {
            break;
        }
        if line.trim().is_empty() {
            blanks += 1;
            if blanks >= 2 {
                break;
            }
            continue;
        }
        blanks = 0;
        if is_totals(line) {
            // A totals row has an amount; a per-item note such as "Tax: 0.2%" does not.
            let segs = segments(line);
            if numbers(&segs).iter().any(|n| !n.3) {
                break;
            }
            continue;
        }
        // Lines without an amount (notes, wrapped descriptions, product codes) are the row's
        // details; its description is its first line.
        match row(line, i, &cols) {
            Some(r) => rows.push(r),
            None => {
                if let Some(last) = rows.last_mut() {
                    let text = segments(line)
                        .into_iter()
                        .map(|s| s.text)
                        .collect::<Vec<_>>()
                        .join(" ");
                    if last.details.len() < 4 && text.chars().any(char::is_alphabetic) {
                        last.details.push(text);
                    }
                }
            }
        }
    }
    (!rows.is_empty()).then_some(Table {
        header_line: h,
        rows,
    })
}

impl Table {
    /// How far the rows' sum may be from a printed total: 0.02 per row + 0.01 (rounding of
    /// each printed line).
    pub fn tolerance(&self) -> Decimal {
        cents(2 * self.rows.len() as i64 + 1)
    }

    /// Sums of the table's columns when it has net and gross amounts: (net, tax, gross).
    pub fn sums(&self) -> Option<(Decimal, Decimal, Decimal)> {
        if self.rows.iter().all(|r| r.gross.is_none()) {
            return None;
        }
        let net: Decimal = self.rows.iter().map(|r| r.amount).sum();
        let tax: Decimal = self.rows.iter().filter_map(|r| r.tax).sum();
        let gross: Decimal = self.rows.iter().map(|r| r.gross.unwrap_or(r.amount)).sum();
        Some((net, tax, gross))
    }

    /// Row amounts as the document's totals explain them: the net `amount`s when they add up to
    /// `subtotal` (or `total` without tax), else the gross amounts when those add up to `total`.
    /// `None` when neither adds up (±0.02 per row).
    pub fn amounts_for(
        &self,
        subtotal: Option<Decimal>,
        total: Option<Decimal>,
    ) -> Option<Vec<Decimal>> {
        let tol = self.tolerance();
        let net: Decimal = self.rows.iter().map(|r| r.amount).sum();
        let gross: Decimal = self.rows.iter().map(|r| r.gross.unwrap_or(r.amount)).sum();
        let close = |a: Decimal, b: Option<Decimal>| b.is_some_and(|b| (a - b).abs() <= tol);
        if close(net, subtotal) || close(net, total) {
            return Some(self.rows.iter().map(|r| r.amount).collect());
        }
        if close(gross, total) || close(gross, subtotal) {
            return Some(
                self.rows
                    .iter()
                    .map(|r| r.gross.unwrap_or(r.amount))
                    .collect(),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests;
