//! Values as documents print them: amounts in every common convention (`1,234.56`,
//! `1.234,56`, `1 234,56`, `1'234.56`), dates (ISO, day-first or month-first numeric, written
//! months in English, French, German, Spanish and Italian) and tax ids (EU VAT numbers by the
//! country's length rules, Indian GSTIN).

use std::sync::OnceLock;

use regex::Regex;
use rust_decimal::Decimal;

mod dates;
mod iban;
mod printed;
pub use dates::{date_spans, dates_in, printed_order};
pub use iban::{iban_at, is_iban};
pub use printed::Printed;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid pattern"))
}

/// Parse an amount as printed: `1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`, `319.00`,
/// `29,99`, `-40.00`, `63.578,69-` (a trailing minus), `7,08,000.00` (Indian lakh grouping),
/// as a decimal (exactly as printed). `None` for anything else, or beyond
/// 28 significant digits.
pub fn parse_amount(s: &str) -> Option<Decimal> {
    // A trailing minus ("63.578,69-", the way SAP and many Nordic and German systems print a
    // credit) is the sign.
    if let Some(body) = s.trim().strip_suffix('-') {
        if !body.starts_with('-') && body.ends_with(|c: char| c.is_ascii_digit()) {
            return parse_amount(body).map(|v| -v);
        }
    }
    let t: String = s
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-')
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if t.is_empty() || !t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (last_dot, last_comma) = (t.rfind('.'), t.rfind(','));
    let normalized = match (last_dot, last_comma) {
        (Some(d), Some(c)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (None, Some(c)) if t.len() - c - 1 == 2 || t.len() - c - 1 == 1 => t.replace(',', "."),
        (None, Some(_)) => t.replace(',', ""),
        (Some(d), None)
            if t.matches('.').count() > 1
                || t.len() - d - 1 == 3 && t[..d].len() <= 3 && t.len() > 7 =>
        {
            t.replace('.', "")
        }
        _ => t,
    };
    normalized.parse::<Decimal>().ok()
}

/// Whether `text` states a sum of money anywhere: a number with two decimals (`1,234.56`,
/// `12,50`) that is not part of a date (`09.07.25`), or a number beside a currency symbol or
/// ISO code (`$45`, `1500 EUR`, `CHF 20`).
/// A document that states none records nothing in the books.
pub fn states_money(text: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[^\d.,/])\d{1,2}(?:,\d{2})+,\d{3}\.\d{2}(?:$|[^\d.,/])|(?:^|[^\d.,/])\d{1,3}(?:[.,' \u{a0}]\d{3})*[.,]\d{2}(?:$|[^\d.,/])|(?:^|[^\d.,/])\d+[.,]\d{2}(?:$|[^\d.,/])|[$€£₹¥]\s?\d|\d\s?(?:[$€£₹¥]|(?:EUR|USD|GBP|CHF|CAD|AUD|INR|JPY|PLN|SEK|NOK|DKK)\b)|\b(?:EUR|USD|GBP|CHF|CAD|AUD|INR|JPY|PLN|SEK|NOK|DKK)\s?\d",
    );
    text.lines().any(|l| r.is_match(l))
}

/// Whether an amount as printed (`8.79`, `1.234,56`) shows cents: two digits after its last
/// `.` or `,`.
pub fn with_cents(printed: &str) -> bool {
    printed.contains(['.', ','])
        && printed
            .rsplit(['.', ','])
            .next()
            .is_some_and(|d| d.len() == 2)
}

/// Amounts printed on `line`, left to right.
pub fn amounts_in(line: &str) -> Vec<Decimal> {
    amount_spans(line).into_iter().map(|p| p.value).collect()
}

/// Numbers from this on are no amount a document states (an account, phone or payment reference
/// read as a number); `schema/extracted_document.schema.json` bounds amounts below it.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// Amounts printed on `line`, left to right, with where each is printed; numbers of
/// [`MAX_AMOUNT`] and more are left out. A whole amount grouped by spaces before a currency
/// ("124 500 kr", [`space_grouped_spans`]) is one amount, not its pieces.
pub fn amount_spans(line: &str) -> Vec<Printed<Decimal>> {
    let spaced = space_grouped_spans(line);
    let inside = |p: &Printed<Decimal>| spaced.iter().any(|s| p.start >= s.start && p.end <= s.end);
    let mut out: Vec<Printed<Decimal>> = plain_amount_spans(line)
        .into_iter()
        .filter(|p| !inside(p))
        .collect();
    out.extend(spaced);
    out.sort_by_key(|p| p.start);
    out
}

/// [`amount_spans`] without the space-grouped whole amounts.
fn plain_amount_spans(line: &str) -> Vec<Printed<Decimal>> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[\s:($€£₹]|Rs\.?|INR|EUR|USD)(-?\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?|-?\d{1,3}(?:[.,' \u{a0}]\d{3})*(?:[.,]\d{2}-|[.,]\d{1,2})|-?\d+(?:[.,]\d{2}-|[.,]\d{1,2})?)(?:\s*(?:€|EUR|USD|\$|TTC|HT))?(?:$|[\s)])",
    );
    spans_of(line, r, parse_amount)
}

/// The numbers group 1 of `r` matches on `line`, left to right, read by `parse`, below
/// [`MAX_AMOUNT`]. Matches overlap by their separators ("24.99 5.00 29.99": the space after one
/// amount is the one before the next), so each search starts where the previous number ended.
fn spans_of(
    line: &str,
    r: &Regex,
    parse: impl Fn(&str) -> Option<Decimal>,
) -> Vec<Printed<Decimal>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at <= line.len() {
        let Some(c) = r.captures_at(line, at) else {
            break;
        };
        let g = c.get(1).expect("group 1");
        if let Some(v) = parse(g.as_str()).filter(|v| v.abs() < Decimal::from(MAX_AMOUNT)) {
            out.push(Printed {
                value: v,
                start: g.start(),
                end: g.end(),
                text: g.as_str().to_string(),
            });
        }
        at = g.end();
    }
    out
}

/// Whole amounts printed with thousands separators and no decimals ("₹3,363", "75.900" on a
/// Vietnamese receipt, "¥ 712,000"), which [`amount_spans`] leaves out (a single group could be
/// three decimals): the candidates of the reading propose them as whole numbers, the rules do not
/// use them. Left to right, below [`MAX_AMOUNT`].
pub fn grouped_integer_spans(line: &str) -> Vec<Printed<Decimal>> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[\s:($€£₹¥₩₫]|Rs\.?)(-?\d{1,2}(?:,\d{2})+,\d{3}|-?\d{1,3}(?:[.,'\u{a0}]\d{3})+)(?:\s*(?:€|EUR|USD|\$|đ|₫|원|円|VND|KRW|JPY))?(?:$|[\s)\-])",
    );
    spans_of(line, r, whole_number)
}

/// Amounts whose cents stand apart after one space, where an OCR lost the decimal point or a
/// PDF put it elsewhere ("$9,360 00", "-10.436 25", "530 00"): thousands-grouped digits and two
/// digits, or three or more digits and "00" (a phone number's "22 00" is not one). Their
/// separators before the cents can only group thousands. Left to right, below [`MAX_AMOUNT`].
pub fn cents_apart_spans(line: &str) -> Vec<Printed<Decimal>> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[\s:($€£₹¥₩₫])(-?\d{1,3}(?:[.,']\d{3})+ \d{2}|-?\d{3,} 00)(?:$|\s)",
    );
    spans_of(line, r, |t| {
        let (whole, cents) = t.rsplit_once(' ')?;
        let w = whole_number(whole)?;
        let c = Decimal::new(cents.parse::<i64>().ok()?, 2);
        Some(if w.is_sign_negative() || whole.starts_with('-') {
            w - c
        } else {
            w + c
        })
    })
}

/// Whether `printed` is an amount whose cents stand apart ([`cents_apart_spans`]).
pub fn cents_apart(printed: &str) -> bool {
    printed.rsplit_once(' ').is_some_and(|(w, c)| {
        c.len() == 2
            && c.bytes().all(|b| b.is_ascii_digit())
            && w.ends_with(|ch: char| ch.is_ascii_digit())
    })
}

/// A whole number printed with group separators ("3,363", "124 500"): its sign and digits.
fn whole_number(t: &str) -> Option<Decimal> {
    let digits: String = t
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse::<Decimal>().ok()
}

/// Whole amounts grouped by spaces and followed by a currency ("124 500 kr", "99 600 SEK",
/// "1 250 €"): without the currency a space could part two numbers (a quantity and a price), so
/// only a currency after the digits makes them one amount. Left to right, below [`MAX_AMOUNT`].
pub fn space_grouped_spans(line: &str) -> Vec<Printed<Decimal>> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[\s:(])(-?\d{1,3}(?:[ \u{a0}\u{202f}]\d{3})+)[ \u{a0}]?(?:kr|SEK|NOK|DKK|ISK|€|EUR|Kč|CZK|zł|PLN|Ft|HUF|CHF|Fr\.|lei|RON)(?:$|[\s.,)])",
    );
    spans_of(line, r, whole_number)
}

/// Whether nine `digits` are a Norwegian organisation number: the modulus-11 check digit with
/// weights 3 2 7 6 5 4 3 2 (Brønnøysund Register Centre).
pub fn norwegian_organisation_number(digits: &str) -> bool {
    let Some(d) = digits
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .filter(|d| d.len() == 9)
    else {
        return false;
    };
    let sum: u32 = [3, 2, 7, 6, 5, 4, 3, 2]
        .iter()
        .zip(&d)
        .map(|(w, x)| w * x)
        .sum();
    match 11 - sum % 11 {
        11 => d[8] == 0,
        10 => false,
        c => d[8] == c,
    }
}

/// Tax ids on `line`: EU VAT numbers (spaces inside removed, and a dot the OCR read for one),
/// Norwegian VAT numbers ("NO 980 321 800 MVA", the organisation number's check digit verified)
/// and Indian GSTINs. An EU-shaped number that begins an IBAN ([`iban_at`]) is none.
pub fn tax_ids_in(line: &str) -> Vec<String> {
    static VAT: OnceLock<Regex> = OnceLock::new();
    static GSTIN: OnceLock<Regex> = OnceLock::new();
    let mut out = Vec::new();
    static NO_VAT: OnceLock<Regex> = OnceLock::new();
    for c in re(&NO_VAT, r"\bNO ?(\d{3}) ?(\d{3}) ?(\d{3}) ?MVA\b").captures_iter(line) {
        let digits = format!("{}{}{}", &c[1], &c[2], &c[3]);
        if norwegian_organisation_number(&digits) {
            out.push(format!("NO{digits}MVA"));
        }
    }
    for m in re(
        &GSTIN,
        r"\b[0-3][0-9][A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]\b",
    )
    .find_iter(line)
    {
        out.push(m.as_str().to_string());
    }
    for c in re(
        &VAT,
        r"\b(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)\s?([0-9A-Z]{2}(?:[\s.]?[0-9A-Z]){6,11})\b",
    )
    .captures_iter(line)
    {
        // The first groups of an IBAN ("IBAN: BE 41 7360 0661 9710") are no VAT number.
        if iban_at(line, c.get(0).map_or(0, |m| m.start())) {
            continue;
        }
        // A dot between the groups is the OCR's reading of a space ("DE 128 589.584").
        let id: String = format!("{}{}", &c[1], &c[2])
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        let digits = id[2..].chars().filter(|c| c.is_ascii_digit()).count();
        let ok = match &c[1] {
            "FR" => id.len() == 13,
            "DE" | "EE" | "EL" | "PT" => id.len() == 11 && digits == 9,
            "GB" | "XI" => id.len() == 11 || id.len() == 14,
            "IT" | "LV" | "HR" => id.len() == 13 && digits == 11,
            "NL" => id.len() == 14,
            "BE" | "PL" | "SK" => id.len() == 12 && digits == 10,
            "ES" => id.len() == 11,
            _ => (10..=14).contains(&id.len()) && digits >= 7,
        };
        if ok {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{amounts_in, states_money};
    use rust_decimal::Decimal;

    #[test]
    fn a_trailing_minus_is_the_sign() {
        use super::{amount_spans, parse_amount};
        assert_eq!(parse_amount("63.578,69-"), Some(Decimal::new(-6357869, 2)));
        let a = amount_spans("Beløp ekskl. MVA      63.578,69-");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].value, Decimal::new(-6357869, 2));
        assert_eq!(a[0].text, "63.578,69-");
        // A range or a date is no negative amount.
        assert!(amount_spans("Pages 10-12")
            .iter()
            .all(|p| p.value >= Decimal::ZERO));
    }

    #[test]
    fn indian_lakh_grouping_is_one_amount() {
        assert_eq!(
            amounts_in("Total                            ₹7,08,000.00"),
            vec![Decimal::new(70800000, 2)]
        );
        assert_eq!(
            amounts_in("SUBTOTAL    6,00,000.00   12,34,56,789.50"),
            vec![Decimal::new(60000000, 2), Decimal::new(12345678950, 2)]
        );
        assert!(super::states_money("IGST        1,08,000.00"));
        let w = super::grouped_integer_spans("Amount ₹7,08,000 only");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].value, Decimal::from(708000));
    }

    #[test]
    fn a_norwegian_vat_number_needs_its_check_digit() {
        use super::tax_ids_in;
        assert_eq!(
            tax_ids_in("Johs Olsen AS   NO 980321800 MVA   NO04 9499"),
            ["NO980321800MVA"]
        );
        assert!(tax_ids_in("NO 980321801 MVA").is_empty());
    }

    #[test]
    fn an_eu_vat_number_whose_space_the_ocr_read_as_a_dot() {
        use super::tax_ids_in;
        assert_eq!(tax_ids_in("USt.-ID-Nr. DE 128 589.584"), ["DE128589584"]);
        // Still nine digits for a German one.
        assert!(tax_ids_in("DE 128 589.58").is_empty());
    }

    #[test]
    fn a_number_of_a_billion_and_more_is_no_amount() {
        assert_eq!(
            amounts_in("Kode 1929319239   1.929.319.239   12,50"),
            vec![Decimal::new(1250, 2)]
        );
        assert_eq!(amounts_in("Total 999.999.999,99").len(), 1);
    }

    #[test]
    fn money_is_a_two_decimal_amount_or_a_currency_sign_not_a_date_or_an_id() {
        for yes in [
            "Total 1,234.56",
            "12,50 EUR",
            "Betrag: 1.234,56",
            "$45",
            "€ 9",
            "net 7.50",
        ] {
            assert!(states_money(yes), "{yes}");
        }
        for no in [
            "Date: 09.07.25",
            "Référence : L-2025-2722",
            "TVA FR40123456789",
            "9 juillet 2025",
            "74000 Annecy",
            "v1.2.3",
        ] {
            assert!(!states_money(no), "{no}");
        }
    }
}
