//! Stage 2.7: a document in a currency other than the business's home currency gets the
//! exchange rate of its date from the rates the user imported (`zopilot rates import`; nothing
//! is fetched at run time) and its total in the home currency.
//!
//! The rate is the latest on or up to [`MAX_AGE_DAYS`] days before the document's date (the ECB
//! publishes none on weekends and holidays): direct (`base` = document currency), inverse, or
//! across a common base (ECB rates are all per 1 EUR: USD→CAD = CAD per EUR / USD per EUR).
//! Arithmetic in decimals (`rust_decimal`); the home amount is rounded to 2 places, half away
//! from zero.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::extract::money::decimal;
use serde_json::{json, Value};

use crate::store::books::Rate;
use crate::store::Storage;

/// How old a rate may be, in days before the document's date.
pub const MAX_AGE_DAYS: i64 = 7;

/// 1 `from` in `to` on the latest day of `rates` that has what it needs, with that day.
pub fn cross(rates: &[Rate], from: &str, to: &str) -> Option<(Decimal, String)> {
    let mut days: Vec<&str> = rates.iter().map(|r| r.day.as_str()).collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    for day in days {
        let on: Vec<&Rate> = rates.iter().filter(|r| r.day == day).collect();
        let get = |b: &str, c: &str| {
            on.iter()
                .find(|r| r.base == b && r.currency == c)
                .map(|r| r.rate)
        };
        if let Some(r) = get(from, to) {
            return Some((r, day.to_string()));
        }
        if let Some(r) = get(to, from) {
            return Some((Decimal::ONE / r, day.to_string()));
        }
        for base in on.iter().map(|r| r.base.as_str()) {
            if let (Some(t), Some(f)) = (get(base, to), get(base, from)) {
                return Some((t / f, day.to_string()));
            }
        }
    }
    None
}

/// The exchange of `extracted` for a business whose home currency is `home`: `Ok(None)` when the
/// document is in the home currency (or either is unknown), `Ok(Some(exchange))`, or `Err` with a
/// warning when no imported rate covers the date.
pub fn exchange(
    store: &dyn Storage,
    extracted: &Value,
    home: Option<&str>,
) -> anyhow::Result<Result<Option<Value>, String>> {
    let (Some(cur), Some(home)) = (extracted["currency"].as_str(), home) else {
        return Ok(Ok(None));
    };
    if cur.eq_ignore_ascii_case(home) {
        return Ok(Ok(None));
    }
    let Some(date) = extracted["issue_date"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return Ok(Err(format!(
            "a {cur} document without a date: no {cur}→{home} rate can be chosen"
        )));
    };
    let from = (date - chrono::Duration::days(MAX_AGE_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    let to = date.format("%Y-%m-%d").to_string();
    let rates = store.rates_between(&[cur, home], &from, &to)?;
    let Some((rate, day)) = cross(&rates, cur, home) else {
        return Ok(Err(format!(
            "no {cur}→{home} exchange rate on {to} or the {MAX_AGE_DAYS} days before: import rates (zopilot rates import)"
        )));
    };
    let rate = rate.round_dp(6);
    let total = decimal(&extracted["total"]);
    let home_amount =
        total.map(|t| (t * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
    Ok(Ok(Some(json!({
        "currency": cur,
        "home_currency": home,
        "rate": rate.to_string(),
        "rate_date": day,
        "total": total.map(|t| t.to_string()),
        "home_currency_amount": home_amount.map(|a| a.to_string()),
        "source": "imported rates",
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(base: &str, cur: &str, day: &str, rate: &str) -> Rate {
        Rate {
            base: base.into(),
            currency: cur.into(),
            day: day.into(),
            rate: rate.parse().unwrap(),
        }
    }

    #[test]
    fn direct_inverse_and_cross_rates() {
        let rates = [
            r("EUR", "USD", "2024-03-01", "1.0830"),
            r("EUR", "CAD", "2024-03-01", "1.4688"),
            r("EUR", "USD", "2024-02-29", "1.0800"),
        ];
        assert_eq!(
            cross(&rates, "EUR", "USD").unwrap(),
            ("1.0830".parse().unwrap(), "2024-03-01".into())
        );
        let (usd_eur, _) = cross(&rates, "USD", "EUR").unwrap();
        assert_eq!(usd_eur.round_dp(6).to_string(), "0.923361");
        let (usd_cad, _) = cross(&rates, "USD", "CAD").unwrap();
        assert_eq!(usd_cad.round_dp(4).to_string(), "1.3562");
        assert!(cross(&rates, "GBP", "USD").is_none());
        assert_eq!(decimal(&json!(1234.56)).unwrap().to_string(), "1234.56");
    }
}
