//! The document's currency (ISO 4217), in this order:
//! 1. ISO codes printed in the text (`EUR`, `USD`, `INR` …): the most frequent one;
//! 2. unambiguous symbols and words (`€`, `£`, `₹`, `Rs.`, `zł`, `euros`, `rupees` …);
//! 3. `$` alone: the dollar of the country (US, Canada, Australia …; else USD);
//! 4. nothing printed: `None` (the pipeline then takes the business's currency).
//!
//! Source: ISO 4217 codes and the symbols in common use for them.

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::OnceLock;

/// ISO 4217 codes recognised in text.
const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "INR", "CHF", "JPY", "CNY", "CAD", "AUD", "NZD", "SGD", "HKD", "SEK",
    "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "ZAR", "BRL", "MXN", "AED", "SAR", "ILS",
    "KRW", "THB", "MYR", "IDR",
];

/// Symbols and words that name one currency.
const SYMBOLS: &[(&str, &str)] = &[
    ("€", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("£", "GBP"),
    ("pounds sterling", "GBP"),
    ("₹", "INR"),
    ("rs", "INR"),
    ("rs.", "INR"),
    ("rupees", "INR"),
    ("zł", "PLN"),
    ("zl", "PLN"),
    ("¥", "JPY"),
    ("fr.", "CHF"),
    ("us$", "USD"),
    ("us dollars", "USD"),
    ("c$", "CAD"),
    ("a$", "AUD"),
    ("r$", "BRL"),
];

/// The dollar of a country (ISO 3166-1 alpha-2).
fn dollar_of(country: Option<&str>) -> &'static str {
    match country.map(|c| c.to_ascii_uppercase()).as_deref() {
        Some("CA") => "CAD",
        Some("AU") => "AUD",
        Some("NZ") => "NZD",
        Some("SG") => "SGD",
        Some("HK") => "HKD",
        Some("MX") => "MXN",
        _ => "USD",
    }
}

fn code_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(&format!(r"\b({})\b", CODES.join("|"))).expect("valid"))
}

/// ISO codes printed on `line`: (char column, code), left to right.
pub fn code_spans(line: &str) -> Vec<(usize, String)> {
    code_re()
        .find_iter(line)
        .map(|m| (line[..m.start()].chars().count(), m.as_str().to_string()))
        .collect()
}

/// The currencies whose symbols or words are printed in `text`: (code, symbol), each code once;
/// a bare `$` as (`USD`, `$`).
pub fn symbol_codes(text: &str) -> Vec<(&'static str, &'static str)> {
    let lower = text.to_lowercase();
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for (sym, code) in SYMBOLS {
        if stands_alone(&lower, sym) && !out.iter().any(|(c, _)| c == code) {
            out.push((code, sym));
        }
    }
    if text.contains('$') && !out.iter().any(|(c, _)| *c == "USD") {
        out.push(("USD", "$"));
    }
    out
}

/// Whether `w` occurs in `lower` (lower-cased text) standing alone: symbols anywhere, words and
/// abbreviations not inside another word ("rs" is not in "hours").
fn stands_alone(lower: &str, w: &str) -> bool {
    if !w.chars().any(|c| c.is_alphanumeric()) {
        return lower.contains(w);
    }
    let mut from = 0;
    while let Some(i) = lower[from..].find(w) {
        let s = from + i;
        let e = s + w.len();
        let before = lower[..s].chars().next_back();
        let after = lower[e..].chars().next();
        if before.is_none_or(|c| !c.is_alphabetic()) && after.is_none_or(|c| !c.is_alphabetic()) {
            return true;
        }
        from = e;
    }
    false
}

/// The currency of `text`, with `country` (the issuer's or the business's) for a bare `$`.
pub fn read(text: &str, country: Option<&str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for m in code_re().find_iter(text) {
        *counts.entry(m.as_str()).or_default() += 1;
    }
    if let Some((code, _)) = counts.iter().max_by_key(|(_, n)| **n) {
        return Some(code.to_string());
    }
    let lower = text.to_lowercase();
    for (sym, code) in SYMBOLS {
        if stands_alone(&lower, sym) {
            return Some(code.to_string());
        }
    }
    if text.contains('$') {
        return Some(dollar_of(country).to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_symbols_and_dollars() {
        assert_eq!(read("Total: 12.00 EUR", None).as_deref(), Some("EUR"));
        assert_eq!(read("Total 29.99 € TTC", None).as_deref(), Some("EUR"));
        assert_eq!(read("Grand Total   Rs 1939", None).as_deref(), Some("INR"));
        assert_eq!(
            read("Balance Due: $127.50", Some("US")).as_deref(),
            Some("USD")
        );
        assert_eq!(read("Total $50", Some("CA")).as_deref(), Some("CAD"));
        assert_eq!(read("12 hours of work, total 50", None), None);
        assert_eq!(
            read("Prices in USD. Total USD 5, EUR 4.6", None).as_deref(),
            Some("USD")
        );
    }
}
