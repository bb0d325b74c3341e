//! Amounts of money as decimals ([`rust_decimal::Decimal`], 96-bit mantissa, up to 28 decimal
//! places), from the printed text to the output: parsing ([`super::values::parse_amount`]),
//! table sums, derived subtotals and taxes, checks, Stage 2 validation and exchange are decimal
//! arithmetic; never `f64`.
//!
//! At the JSON boundary (the extracted document, Stage 2 mappings, the backend's contract, which
//! all carry amounts as JSON numbers) an amount is written as the number whose shortest text form
//! is the decimal's ([`to_json`]): exact for every amount of up to 15 significant digits, which
//! covers any invoice (a trillion with two decimals). [`decimal`] reads it back the same way.

use rust_decimal::Decimal;
use serde::Serializer;
use serde_json::Value;

/// `n / 100` (tolerances, cents).
pub fn cents(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

/// `d` rounded to `places` decimals (banker's rounding is not what invoices print: half away
/// from zero).
pub fn round(d: Decimal, places: u32) -> Decimal {
    d.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// The JSON number of `d`: parsed from the decimal's own text, so `120.50` is written `120.5`
/// and reads back as exactly 120.50 ([`decimal`]). `null` for a value beyond `f64`'s range.
pub fn to_json(d: Decimal) -> Value {
    d.normalize()
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// [`to_json`] of an optional amount (`null` for `None`).
pub fn opt_to_json(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, to_json)
}

/// A JSON amount as a decimal: a number through its shortest text form (`1234.56` stays exact),
/// or a decimal string (`"1234.56"`). The one reader of amounts for decimal arithmetic.
pub fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => {
            let s = n.to_string();
            s.parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(&s).ok())
        }
        _ => None,
    }
}

/// Serde `serialize_with` for a `Decimal` field written as a JSON number ([`to_json`]).
pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&to_json(*d), s)
}

/// Serde `serialize_with` for an `Option<Decimal>` field written as a number or `null`.
pub fn serialize_opt<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&opt_to_json(*d), s)
}

/// `x` as the decimal of its shortest text form (tests write amounts as literals).
#[cfg(test)]
pub fn dec(x: f64) -> Decimal {
    x.to_string().parse().expect("a finite amount")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_go_through_json_exactly() {
        for s in [
            "0.1",
            "0.3",
            "120.50",
            "1234567890123.45",
            "-40.00",
            "19.999",
        ] {
            let d: Decimal = s.parse().unwrap();
            let back = decimal(&to_json(d)).unwrap();
            assert_eq!(back, d, "{s}");
        }
        // Decimal arithmetic, where f64 is off: 0.1 + 0.2 = 0.3 exactly.
        let sum = decimal(&json!(0.1)).unwrap() + decimal(&json!(0.2)).unwrap();
        assert_eq!(sum, decimal(&json!(0.3)).unwrap());
        assert_ne!(0.1f64 + 0.2, 0.3);
        assert_eq!(to_json(sum), json!(0.3));
        assert_eq!(decimal(&json!("1234.56")).unwrap().to_string(), "1234.56");
        assert_eq!(decimal(&json!(1e-7)).unwrap(), Decimal::new(1, 7));
        assert_eq!(round("2.345".parse().unwrap(), 2).to_string(), "2.35");
        assert_eq!(decimal(&json!(null)), None);
    }
}
