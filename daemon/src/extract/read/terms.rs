//! Payment terms in days printed on a document ("Payment terms: 30 days", "Net 30",
//! "Zahlbar innerhalb 14 Tagen", "30 dagar netto"): a number of 1 to 180 before a day word or
//! after a net word (`payment_terms` in `schema/reading/vocabulary.json`). The due date they
//! give is the issue date plus that many days; the pipeline settles a due date that agrees
//! ([`crate::pipeline::fields`]).

use super::fold::fold;
use super::vocabulary::vocabulary;

/// Longest term counted (days).
pub const MAX_DAYS: u32 = 180;

/// Every term in days `lines` print, ascending, each once. A number that is part of an amount
/// or a date ("30.00", "14.03.") is none.
pub fn term_days(lines: &[&str]) -> Vec<u32> {
    let v = &vocabulary().payment_terms;
    let mut out: Vec<u32> = Vec::new();
    for line in lines {
        let f: Vec<char> = fold(line).chars().collect();
        // Words with their char spans.
        let mut words: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < f.len() {
            if f[i].is_alphanumeric() {
                let s = i;
                while i < f.len() && f[i].is_alphanumeric() {
                    i += 1;
                }
                words.push((s, i));
            } else {
                i += 1;
            }
        }
        let text = |(a, b): (usize, usize)| f[a..b].iter().collect::<String>();
        for (k, &(a, b)) in words.iter().enumerate() {
            let w = text((a, b));
            let Ok(n) = w.parse::<u32>() else { continue };
            if w.len() > 3 || !(1..=MAX_DAYS).contains(&n) {
                continue;
            }
            // Part of an amount or a date: a separator and a digit on either side.
            let joined = |c: Option<&char>, d: Option<&char>| {
                c.is_some_and(|c| ".,/:".contains(*c)) && d.is_some_and(char::is_ascii_digit)
            };
            let before = a.checked_sub(1).and_then(|p| f.get(p));
            let before2 = a.checked_sub(2).and_then(|p| f.get(p));
            if joined(f.get(b), f.get(b + 1)) || joined(before, before2) {
                continue;
            }
            let next = words.get(k + 1).map(|&s| text(s));
            let prev = k.checked_sub(1).map(|p| text(words[p]));
            let day = next.is_some_and(|x| v.days.contains(&x));
            let net = prev.is_some_and(|x| v.net.contains(&x));
            if (day || net) && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::term_days;

    #[test]
    fn terms_in_days_in_several_languages() {
        let t = [
            "Payment terms: Net 30",
            "Zahlbar innerhalb 14 Tagen ohne Abzug",
            "Betalingsbetingelser: 20 dager netto",
            "Conditions: 45 jours",
            "Maksuehdot 7 päivää netto",
            "Splatnost 10 dnů",
        ];
        assert_eq!(term_days(&t), vec![7, 10, 14, 20, 30, 45]);
    }

    #[test]
    fn amounts_dates_and_other_numbers_are_no_terms() {
        let t = [
            "Net amount 30.00",
            "Netto 1.250,00",
            "Total net 14,50",
            "Delivered 30.06. 10 pallets",
            "Invoice 30 of 2024",
            "365 days of support",
        ];
        assert!(term_days(&t).is_empty(), "{:?}", term_days(&t));
    }
}
