//! Dates as documents print them: ISO, year first, day-first or month-first numeric, day,
//! month and year each after a dot and a space (Czech), and months written in English, French,
//! German, Spanish, Italian, Dutch, Portuguese and the Nordic languages.

use std::sync::OnceLock;

use regex::Regex;

use super::printed::Printed;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid pattern"))
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("janvier", 1),
    ("januar", 1),
    ("enero", 1),
    ("januari", 1),
    ("janeiro", 1),
    ("gennaio", 1),
    ("jan", 1),
    ("february", 2),
    ("février", 2),
    ("fevrier", 2),
    ("februar", 2),
    ("febrero", 2),
    ("februari", 2),
    ("fevereiro", 2),
    ("feb", 2),
    ("march", 3),
    ("mars", 3),
    ("märz", 3),
    ("marzo", 3),
    ("maart", 3),
    ("março", 3),
    ("marco", 3),
    ("mrt", 3),
    ("mrz", 3),
    ("mar", 3),
    ("april", 4),
    ("avril", 4),
    ("abril", 4),
    ("aprile", 4),
    ("apr", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("maggio", 5),
    ("mei", 5),
    ("maio", 5),
    ("maj", 5),
    ("june", 6),
    ("juin", 6),
    ("juni", 6),
    ("junio", 6),
    ("giugno", 6),
    ("junho", 6),
    ("jun", 6),
    ("july", 7),
    ("juillet", 7),
    ("juli", 7),
    ("julio", 7),
    ("luglio", 7),
    ("julho", 7),
    ("jul", 7),
    ("august", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("augusti", 8),
    ("aug", 8),
    ("september", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("settembre", 9),
    ("setembro", 9),
    ("setiembre", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("octobre", 10),
    ("oktober", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("outubro", 10),
    ("okt", 10),
    ("oct", 10),
    ("november", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("nov", 11),
    ("december", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("dezember", 12),
    ("diciembre", 12),
    ("dicembre", 12),
    ("dezembro", 12),
    ("desember", 12),
    ("dez", 12),
    ("dec", 12),
];

fn month(name: &str) -> Option<u32> {
    let n = name.to_lowercase();
    let n = n.trim_end_matches('.');
    MONTHS.iter().find(|(m, _)| *m == n).map(|(_, v)| *v)
}

/// The ISO date whose year, month and day are the capture groups `(y, m, d)` of `c`.
fn captured(c: &regex::Captures<'_>, (y, m, d): (usize, usize, usize)) -> Option<String> {
    ymd(
        c[y].parse().unwrap_or(0),
        c[m].parse().unwrap_or(0),
        c[d].parse().unwrap_or(0),
    )
}

fn ymd(y: i32, m: u32, d: u32) -> Option<String> {
    let y = if y < 100 { 2000 + y } else { y };
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|d| d.format("%Y-%m-%d").to_string())
}

/// The numeric dates of `text`, day and month in either order, one separator throughout
/// ("03/04/2024", "22.07.2016", "9-7-18"; "#1-13/01/2016" holds "13/01/2016", not "1-13/01"):
/// (start, end, the first number, the second, the year as printed), left to right. A time glued
/// to a two-digit year ("30.04.2009:58") leaves the year its first two digits.
fn numeric(text: &str) -> Vec<(usize, usize, u32, u32, i32)> {
    static SEPARATED: OnceLock<[Regex; 3]> = OnceLock::new();
    let all = SEPARATED.get_or_init(|| {
        ["/", r"\.", "-"].map(|s| {
            Regex::new(&format!(
                r"\b(\d{{1,2}}){s}(\d{{1,2}}){s}(\d{{4}}|\d{{2}})\b"
            ))
            .expect("valid pattern")
        })
    });
    let mut out: Vec<_> = all
        .iter()
        .flat_map(|r| r.captures_iter(text))
        .map(|c| {
            let m = c.get(0).expect("group 0");
            let n = |i: usize| c[i].parse().unwrap_or(0);
            let y = c.get(3).expect("group 3");
            // A time of day glued to a two-digit year, the space lost by the OCR
            // ("30.04.2009:58" for "30.04.20 09:58"): the year's last two digits are the hour.
            let rest = &text[m.end()..];
            let glued = y.as_str().len() == 4
                && rest.starts_with(':')
                && rest[1..].starts_with(|d: char| d.is_ascii_digit());
            if glued {
                let year = y.as_str()[..2].parse().unwrap_or(0);
                return (m.start(), y.start() + 2, n(1) as u32, n(2) as u32, year);
            }
            (m.start(), m.end(), n(1) as u32, n(2) as u32, n(3))
        })
        .collect();
    out.sort();
    out
}

/// The order a page's numeric dates are printed in, where its own dates prove it: `Some(true)`
/// when some date can only be month first ("07/25/2018") and none only day first,
/// `Some(false)` the other way round ("22.07.2016"), `None` when no date tells (every one fits
/// both orders, or the page prints both). A page keeps one convention: measured on the real
/// development and test halves' PDFs and scans (`tests/realset`), the order a page proves was
/// the labelled reading of every one of its ambiguous dates (41 of 41).
pub fn printed_order(text: &str) -> Option<bool> {
    let (mut month_first, mut day_first) = (false, false);
    for (_, _, a, b, _) in numeric(text) {
        if a == 0 || b == 0 {
            continue;
        }
        month_first |= a <= 12 && (13..=31).contains(&b);
        day_first |= b <= 12 && (13..=31).contains(&a);
    }
    (month_first != day_first).then_some(month_first)
}

/// Dates printed on `line`, as ISO strings, left to right. `month_first` reads `03/08/2014`
/// as March 8 (US documents).
pub fn dates_in(line: &str, month_first: bool) -> Vec<String> {
    date_spans(line, month_first)
        .into_iter()
        .map(|p| p.value)
        .collect()
}

/// Dates printed on `line` (ISO strings), left to right, with where each is printed.
pub fn date_spans(line: &str, month_first: bool) -> Vec<Printed<String>> {
    static ISO: OnceLock<Regex> = OnceLock::new();
    static WORD_DMY: OnceLock<Regex> = OnceLock::new();
    static WORD_MDY: OnceLock<Regex> = OnceLock::new();
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    // ISO 8601, a time of day may follow after its "T" ("2026-03-05T11:34:25").
    for c in re(&ISO, r"\b(\d{4})-(\d{2})-(\d{2})(?:\b|T\d{2}:)").captures_iter(line) {
        if let Some(d) = captured(&c, (1, 2, 3)) {
            found.push(span(&c, d));
        }
    }
    static YMD: OnceLock<Regex> = OnceLock::new();
    for c in re(&YMD, r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b").captures_iter(line) {
        if let Some(d) = captured(&c, (1, 2, 3)) {
            found.push(span(&c, d));
        }
    }
    for (start, end, a, b, y) in numeric(line) {
        let d = if (month_first && a <= 12) || b > 12 {
            ymd(y, a, b)
        } else {
            ymd(y, b, a)
        };
        if let Some(d) = d {
            found.push((start, end, d));
        }
    }
    // Day, month and year each followed by a dot and a space ("10. 02. 2015", the Czech and
    // Slovak way).
    static SPACED: OnceLock<Regex> = OnceLock::new();
    for c in re(&SPACED, r"\b(\d{1,2})\. (\d{1,2})\. ?(\d{4})\b").captures_iter(line) {
        if let Some(d) = captured(&c, (3, 2, 1)) {
            found.push(span(&c, d));
        }
    }
    // A month by name, day first ("10 février 2024") or month first ("March 8, 2014"):
    // (regex, pattern, groups of month, day and year).
    let named = [
        (
            &WORD_DMY,
            r"(?i)\b(\d{1,2})(?:er|st|nd|rd|th)?[\s\-.]+([a-zéûäç]{3,9})\.?[\s\-.,]+(\d{4}|\d{2})\b",
            (2, 1, 3),
        ),
        (
            &WORD_MDY,
            r"(?i)\b([a-zéûäç]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})\b",
            (1, 2, 3),
        ),
    ];
    for (cell, pattern, (mi, di, yi)) in named {
        for c in re(cell, pattern).captures_iter(line) {
            if let (Some(m), Ok(d), Ok(y)) = (month(&c[mi]), c[di].parse(), c[yi].parse()) {
                if let Some(s) = ymd(y, m, d) {
                    found.push(span(&c, s));
                }
            }
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.2 == b.2);
    found
        .into_iter()
        .map(|(start, end, value)| Printed {
            value,
            start,
            end,
            text: line[start..end].to_string(),
        })
        .collect()
}

fn span(c: &regex::Captures<'_>, iso: String) -> (usize, usize, String) {
    let m = c.get(0).expect("group 0");
    (m.start(), m.end(), iso)
}

#[cfg(test)]
mod tests {
    use super::{dates_in, printed_order};

    #[test]
    fn a_page_proves_its_date_order_only_by_a_date_that_fits_one_order() {
        // 22.07.2016 can only be day first; 04.07.2016 then reads as July 4 too.
        assert_eq!(
            printed_order("Fakturadato 04.07.2016\nForfall 22.07.2016"),
            Some(false)
        );
        assert_eq!(
            printed_order("Invoice date 07/25/2018\nDue 08/09/2018"),
            Some(true)
        );
        // Every date fits both orders: nothing proved.
        assert_eq!(printed_order("Date 03/04/2024\nDue 05/04/2024"), None);
        // A page printing both orders proves neither.
        assert_eq!(printed_order("13/01/2024 and 01/13/2024"), None);
        // A day above 31 is no date.
        assert_eq!(printed_order("Part 45.07.16 and 03/04/2024"), None);
    }

    #[test]
    fn a_time_glued_to_a_two_digit_year_is_no_four_digit_year() {
        // OCR lost the space of "30.04.20 09:58".
        assert_eq!(
            dates_in("3182 295069/02   30.04.2009:58", false),
            ["2020-04-30"]
        );
        assert_eq!(dates_in("30.04.2009 09:58", false), ["2009-04-30"]);
        assert_eq!(dates_in("Datum 21.04.20 09:59", false), ["2020-04-21"]);
    }

    #[test]
    fn dates_with_dutch_and_portuguese_months_and_an_iso_time() {
        assert_eq!(
            dates_in("Factuurdatum: 29 maart 2014", false),
            ["2014-03-29"]
        );
        assert_eq!(dates_in("Datum 3 mei 2021", false), ["2021-05-03"]);
        assert_eq!(dates_in("Emitido 12 março 2024", false), ["2024-03-12"]);
        assert_eq!(
            dates_in("Fecha y Hora de Emisión: 2026-03-05T11:34:25", false),
            ["2026-03-05"]
        );
        // A longer token is no date.
        assert!(dates_in("ref 2026-03-05T1", false).is_empty());
    }

    #[test]
    fn a_spaced_dotted_date_is_a_date() {
        assert_eq!(
            dates_in("Datum splatnosti                 24. 02. 2015", false),
            ["2015-02-24"]
        );
        assert!(dates_in("Položka 1. 2. 3", false).is_empty());
    }

    #[test]
    fn a_numeric_date_keeps_one_separator() {
        // A till's register number before its date: "#1-13/01/2016" is January 13, 2016.
        assert_eq!(
            dates_in("ORD #57 -REG #1-13/01/2016 15:49:52", false),
            ["2016-01-13"]
        );
        assert_eq!(printed_order("REG #1-13/01/2016"), Some(false));
        assert!(dates_in("Art. 12-04/2019", false).is_empty());
    }
}
