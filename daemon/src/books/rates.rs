//! Exchange-rate files (`zopilot rates import`), read into [`Rate`]s — never fetched at run time:
//!
//! - the ECB euro foreign exchange reference rates (`eurofxref-hist.csv` / `eurofxref.csv`:
//!   `Date,USD,JPY,…` then one row per day; units of each currency per 1 EUR; `N/A` where the
//!   ECB published none; dates `2024-01-02` or `02 January 2024`). Source:
//!   <https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/>;
//! - a plain CSV `date,currency,rate[,base]`: `rate` units of `currency` per 1 `base` (EUR when
//!   the column is absent), the same convention.
//!
//! Rates are decimals (`rust_decimal`), as printed.

use anyhow::{bail, Context, Result};
use rust_decimal::Decimal;

use super::table::csv_rows;
use crate::store::books::Rate;

fn day(s: &str) -> Option<String> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d %B %Y"))
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

fn code(s: &str) -> Option<String> {
    let c = s.trim().to_uppercase();
    (c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase())).then_some(c)
}

fn rate(v: &str, row: usize, cur: &str) -> Result<Decimal> {
    let r: Decimal = v
        .trim()
        .parse()
        .ok()
        .with_context(|| format!("row {row}: the rate {v:?} of {cur} is not a number"))?;
    if r <= Decimal::ZERO {
        bail!("row {row}: the rate {v:?} of {cur} is not positive");
    }
    Ok(r)
}

/// The rates in CSV `text` (either layout above).
///
/// Errors: an unknown header, a bad date, currency code or rate — each with its row number — or
/// no rate at all.
pub fn read(text: &str) -> Result<Vec<Rate>> {
    let rows = csv_rows(text)?;
    let Some(header) = rows.first() else {
        bail!("the rates file is empty");
    };
    let h: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
    let mut out = Vec::new();
    if h.first().map(String::as_str) == Some("date")
        && h.get(1).map(String::as_str) == Some("currency")
    {
        let base_col = h.iter().position(|c| c == "base");
        for (i, r) in rows.iter().enumerate().skip(1) {
            let row = i + 1;
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let d = day(&r[0]).with_context(|| format!("row {row}: {:?} is not a date", r[0]))?;
            let cur = code(r.get(1).map(String::as_str).unwrap_or(""))
                .with_context(|| format!("row {row}: not an ISO 4217 currency code"))?;
            let base = match base_col.and_then(|b| r.get(b)) {
                Some(b) => code(b)
                    .with_context(|| format!("row {row}: base {b:?} is not a currency code"))?,
                None => "EUR".into(),
            };
            let rt = rate(r.get(2).map(String::as_str).unwrap_or(""), row, &cur)?;
            out.push(Rate {
                base,
                currency: cur,
                day: d,
                rate: rt,
            });
        }
    } else if h.first().map(String::as_str) == Some("date") {
        let curs: Vec<Option<String>> = header.iter().skip(1).map(|c| code(c)).collect();
        for (i, r) in rows.iter().enumerate().skip(1) {
            let row = i + 1;
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let d = day(&r[0]).with_context(|| format!("row {row}: {:?} is not a date", r[0]))?;
            for (cur, v) in curs.iter().zip(r.iter().skip(1)) {
                let (Some(cur), v) = (cur, v.trim()) else {
                    continue;
                };
                if v.is_empty() || v.eq_ignore_ascii_case("n/a") {
                    continue;
                }
                let rt = rate(v, row, cur)?;
                out.push(Rate {
                    base: "EUR".into(),
                    currency: cur.clone(),
                    day: d.clone(),
                    rate: rt,
                });
            }
        }
    } else {
        bail!("unknown rates layout: the header should be the ECB's `Date,USD,JPY,…` or `date,currency,rate[,base]`");
    }
    if out.is_empty() {
        bail!("the rates file holds no rate");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecb_and_plain_layouts() {
        let r = read("Date,USD,JPY,CYP,\n2024-01-03,1.0919,155.52,N/A,\n02 January 2024,1.0956,155.67,N/A,\n").unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(
            (r[0].currency.as_str(), r[0].rate.to_string().as_str()),
            ("USD", "1.0919")
        );
        assert_eq!(r[2].day, "2024-01-02");
        let r = read("date,currency,rate,base\n2024-01-02,CAD,1.35,USD\n").unwrap();
        assert_eq!((r[0].base.as_str(), r[0].currency.as_str()), ("USD", "CAD"));
        let e = read("date,currency,rate\n2024-01-02,USD,1.1\n2024-01-03,USD,abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3: the rate \"abc\" of USD is not a number"
        );
        assert!(read("when,what\n1,2\n").is_err());
    }
}
