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
    "KRW", "THB", "MYR", "IDR", "UAH", "PYG", "VND", "RUB", "TRY", "PHP", "NPR", "PKR", "LKR",
    "BDT", "EGP", "NGN", "KES", "ARS", "CLP", "COP", "PEN", "TWD", "ISK", "RSD", "CNH",
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
    ("￥", "JPY"),
    ("円", "JPY"),
    ("fr.", "CHF"),
    ("us$", "USD"),
    ("us dollars", "USD"),
    ("c$", "CAD"),
    ("a$", "AUD"),
    ("r$", "BRL"),
    ("kč", "CZK"),
    ("грн", "UAH"),
    ("₴", "UAH"),
    ("₲", "PYG"),
    ("guarani", "PYG"),
    ("guaranies", "PYG"),
    ("gs.", "PYG"),
    ("₫", "VND"),
    ("vnđ", "VND"),
    ("₩", "KRW"),
    ("원", "KRW"),
    ("฿", "THB"),
    ("₽", "RUB"),
    ("руб", "RUB"),
    ("₺", "TRY"),
    ("₱", "PHP"),
    ("元", "CNY"),
    ("人民币", "CNY"),
];

/// The krone or krona of a country ("kr" alone names none of them).
fn krone_of(country: &str) -> Option<&'static str> {
    Some(match country {
        "NO" => "NOK",
        "SE" => "SEK",
        "DK" => "DKK",
        "IS" => "ISK",
        _ => return None,
    })
}

/// The currency of a country (ISO 3166-1 alpha-2; Greece's VAT prefix `EL`), for the countries
/// whose tax ids the reading recognises.
fn currency_of(country: &str) -> Option<&'static str> {
    const EURO: &[&str] = &[
        "AT", "BE", "CY", "DE", "EE", "EL", "ES", "FI", "FR", "HR", "IE", "IT", "LT", "LU", "LV",
        "MT", "NL", "PT", "SI", "SK",
    ];
    if EURO.contains(&country) {
        return Some("EUR");
    }
    Some(match country {
        "GB" | "XI" => "GBP",
        "PL" => "PLN",
        "CZ" => "CZK",
        "HU" => "HUF",
        "RO" => "RON",
        "BG" => "BGN",
        "CH" => "CHF",
        "IN" => "INR",
        c => return krone_of(c),
    })
}

/// The currencies of the countries whose tax ids or bank accounts are printed in `text`, first
/// line first: (code, the id as printed, 0-based line) — an EU VAT number's prefix, an Indian
/// GSTIN, a Norwegian organisation number with `MVA`, a Swiss `CHE-…` number, an IBAN's country
/// (ISO 13616). A domestic document seldom prints its own currency; its seller's country and
/// bank name it.
pub fn tax_id_currencies(text: &str) -> Vec<(&'static str, String, usize)> {
    static NO: OnceLock<Regex> = OnceLock::new();
    static CH: OnceLock<Regex> = OnceLock::new();
    let no =
        NO.get_or_init(|| Regex::new(r"\b(?:NO\s?)?\d{3}\s?\d{3}\s?\d{3}\s?MVA\b").expect("valid"));
    let ch = CH.get_or_init(|| Regex::new(r"\bCHE[-\s]?\d{3}\.\d{3}\.\d{3}\b").expect("valid"));
    static IBAN: OnceLock<Regex> = OnceLock::new();
    let iban = IBAN.get_or_init(|| {
        Regex::new(r"\b([A-Z]{2})\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
            .expect("valid")
    });
    let mut out: Vec<(&'static str, String, usize)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut found: Vec<(String, String)> = crate::extract::values::tax_ids_in(line)
            .into_iter()
            .map(|id| {
                let country = if id.as_bytes()[0].is_ascii_digit() {
                    "IN".to_string()
                } else {
                    id[..2].to_string()
                };
                (country, id)
            })
            .collect();
        found.extend(
            no.find_iter(line)
                .map(|m| ("NO".to_string(), m.as_str().to_string())),
        );
        found.extend(
            ch.find_iter(line)
                .map(|m| ("CH".to_string(), m.as_str().to_string())),
        );
        found.extend(
            iban.captures_iter(line)
                .map(|c| (c[1].to_string(), c[0].to_string())),
        );
        for (country, id) in found {
            if let Some(code) = currency_of(&country) {
                if !out.iter().any(|(c, _, _)| *c == code) {
                    out.push((code, id, i));
                }
            }
        }
    }
    out
}

/// Whether `kr` (krone, krona) stands alone in `text`.
pub fn prints_kr(text: &str) -> bool {
    stands_alone(&text.to_lowercase(), "kr") || stands_alone(&text.to_lowercase(), "kr.")
}

/// The krone of a country whose tax id is printed, if any.
pub fn krone(tax_id_currencies: &[(&'static str, String, usize)]) -> Option<&'static str> {
    tax_id_currencies
        .iter()
        .find(|(c, _, _)| matches!(*c, "NOK" | "SEK" | "DKK" | "ISK"))
        .map(|(c, _, _)| *c)
}

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
    // Not inside a word, but glued to an amount ("17 115,45PLN", "EUR12.00").
    R.get_or_init(|| {
        Regex::new(&format!(
            r"(?:^|[^\p{{L}}])({})(?:$|[^\p{{L}}])",
            CODES.join("|")
        ))
        .expect("valid")
    })
}

/// ISO codes printed on `line`: (char column, code), left to right.
pub fn code_spans(line: &str) -> Vec<(usize, String)> {
    code_re()
        .captures_iter(line)
        .filter_map(|c| c.get(1))
        .map(|m| (line[..m.start()].chars().count(), m.as_str().to_string()))
        .collect()
}

/// The currency a yen sign (`¥`, fullwidth `￥`) names in `text`: the yuan (CNY) on a Chinese
/// page — Han characters and no Japanese kana —, else the yen (JPY). Both currencies write the
/// same sign (Unicode U+00A5 "YEN SIGN", used for the renminbi yuan too).
fn yen_sign(text: &str) -> &'static str {
    let han = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let kana = text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c));
    if han && !kana {
        "CNY"
    } else {
        "JPY"
    }
}

/// The code `sym` names in `text` (a yen sign by the page's script: [`yen_sign`]).
fn code_of(sym: &str, code: &'static str, text: &str) -> &'static str {
    if matches!(sym, "¥" | "￥") {
        yen_sign(text)
    } else {
        code
    }
}

/// The currencies whose symbols or words are printed in `text`: (code, symbol), each code once;
/// a bare `$` as (`USD`, `$`).
pub fn symbol_codes(text: &str) -> Vec<(&'static str, &'static str)> {
    let lower = text.to_lowercase();
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for (sym, code) in SYMBOLS {
        let code = code_of(sym, code, text);
        if stands_alone(&lower, sym) && !out.iter().any(|(c, _)| *c == code) {
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
    for line in text.lines() {
        for (_, code) in code_spans(line) {
            let code = CODES.iter().find(|c| **c == code).copied().unwrap_or("");
            *counts.entry(code).or_default() += 1;
        }
    }
    if let Some((code, _)) = counts.iter().max_by_key(|(_, n)| **n) {
        return Some(code.to_string());
    }
    let lower = text.to_lowercase();
    for (sym, code) in SYMBOLS {
        if stands_alone(&lower, sym) {
            return Some(code_of(sym, code, text).to_string());
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
    fn a_yen_sign_is_the_yuan_on_a_chinese_page_and_the_yen_on_a_japanese_one() {
        let fapiao = "增值税普通发票\n价税合计（大写） 壹佰圆整  （小写）¥100.00";
        assert_eq!(read(fapiao, None).as_deref(), Some("CNY"));
        assert!(symbol_codes(fapiao).contains(&("CNY", "¥")));
        let receipt = "領収書\nお買上げ合計 ￥1,080";
        assert_eq!(read(receipt, None).as_deref(), Some("JPY"));
        assert_eq!(read("Total ¥1,080", None).as_deref(), Some("JPY"));
    }

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

    #[test]
    fn glued_codes_local_symbols_and_the_sellers_country() {
        assert_eq!(
            read("Kwota należności ogółem: 17 115,45PLN", None).as_deref(),
            Some("PLN")
        );
        assert_eq!(
            read("Celkem k úhradě 1 210,00 Kč", None).as_deref(),
            Some("CZK")
        );
        assert_eq!(read("Bank NDEANOKK 929120825", None), None);
        let no = tax_id_currencies("Verisure AS\nOrg.nr NO 929 120 825 MVA\nBeløp kr 1 249,00\n");
        assert_eq!(no[0].0, "NOK");
        assert_eq!(krone(&no), Some("NOK"));
        assert!(prints_kr("Beløp kr 1 249,00"));
        assert!(!prints_kr("Krone Str. 4"));
        let cz = tax_id_currencies("DIČ: CZ26279690\n");
        assert_eq!(cz.iter().map(|c| c.0).collect::<Vec<_>>(), ["CZK"]);
        assert_eq!(tax_id_currencies("GSTIN 29AAACR5055K1Z5\n")[0].0, "INR");
        let iban = tax_id_currencies("Swiftcode NDEANOKK  Ibannummer NO5160050611585\n");
        assert_eq!(iban.iter().map(|c| c.0).collect::<Vec<_>>(), ["NOK"]);
        assert_eq!(read("Moneda: Guarani", None).as_deref(), Some("PYG"));
    }
}
