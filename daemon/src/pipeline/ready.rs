//! What makes Stage 2's mappings ready to post, after they are filled: Stage 2.5 (each lookup
//! resolved against the business's books, [`super::lookups`]), the document's exchange rate on
//! the PRIMARY (Stage 2.7, [`super::exchange`]) and the accounting API's request body
//! ([`super::payload`]). Each mapping still validates against `schema/stage2.schema.json`.

use anyhow::Result;
use serde_json::Value;

use super::books::Ledger;
use super::{lookups, payload};

/// Resolve, add the exchange rate and the payload to every mapping (in place); warnings for
/// lookups that did not resolve.
///
/// Errors: a mapping that no longer validates (a bug, not a document problem).
pub fn finish(
    ledger: &Ledger,
    software: &str,
    exchange: Option<&Value>,
    mappings: &mut [Value],
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    for m in mappings.iter_mut() {
        warnings.extend(lookups::resolve(ledger, m));
        if let (Some(x), true) = (exchange, m["action_type"] == "PRIMARY") {
            m["field_mappings"]["ExchangeRate"] =
                crate::extract::money::opt_to_json(crate::extract::money::decimal(&x["rate"]));
        }
        let sales = m["field_sources"]
            .as_object()
            .is_some_and(|f| f.values().any(|s| s == "lines:items"));
        m["payload"] = match software.to_ascii_lowercase().as_str() {
            s if s.starts_with("zoho") => payload::zoho(m),
            _ => payload::quickbooks(m, sales),
        };
        crate::schemas::validate(crate::schemas::Kind::Stage2, m)?;
    }
    Ok(warnings)
}
