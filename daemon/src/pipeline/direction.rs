//! Which way a document goes, seen from the business: a deterministic rule on the parties, so
//! Stage 1 does not have to guess whether "Taylor's Store" sent or received an invoice.
//!
//! - the business is the issuer (`from`) → `outgoing`;
//! - the business is the recipient (`to`) → `incoming`;
//! - the business is only mentioned in the text (ship-to, attention, guest) by someone else's
//!   document → `incoming`;
//! - otherwise `unknown` (Stage 1 decides alone).
//!
//! Names are compared as sets of significant words (lower-case, punctuation removed, legal forms
//! such as "Ltd", "Inc", "GmbH" dropped).

use serde_json::Value;

use super::profile::BusinessProfile;

const LEGAL_FORMS: &[&str] = &[
    "ltd", "limited", "inc", "llc", "llp", "plc", "corp", "co", "company", "gmbh", "ag", "sa",
    "sarl", "sas", "bv", "pvt", "private", "the",
];

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1 && !LEGAL_FORMS.contains(w))
        .map(str::to_string)
        .collect()
}

fn names_business(business: &[String], party: Option<&str>) -> bool {
    let Some(party) = party else { return false };
    let p = words(party);
    !business.is_empty() && business.iter().all(|w| p.contains(w))
}

/// The inferred direction (`incoming`, `outgoing`, `unknown`) and why, for the prompt.
pub fn infer(profile: &BusinessProfile, extracted: &Value, text: &str) -> (&'static str, String) {
    let business = words(&profile.name);
    let from = extracted["from"]["name"].as_str();
    let to = extracted["to"]["name"].as_str();
    if names_business(&business, from) {
        return ("outgoing", format!("{} issued this document", profile.name));
    }
    if names_business(&business, to) {
        return (
            "incoming",
            format!("the document is addressed to {}", profile.name),
        );
    }
    if from.is_some() && names_business(&business, Some(text)) {
        return (
            "incoming",
            format!(
                "{} is named in a document issued by {}",
                profile.name,
                from.unwrap_or("another party")
            ),
        );
    }
    (
        "unknown",
        format!("{} is not named as a party", profile.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issuer_recipient_and_mention() {
        let p = BusinessProfile::named("Taylor's Store");
        let doc = |from: &str, to: &str| json!({"from": {"name": from}, "to": {"name": to}});
        assert_eq!(infer(&p, &doc("Taylor's Store", "Bob"), "").0, "outgoing");
        assert_eq!(
            infer(&p, &doc("Sammy Maystone", "TAYLORS STORE"), "").0,
            "unknown"
        );
        assert_eq!(
            infer(&p, &doc("Sammy Maystone", "Taylor's Store Inc."), "").0,
            "incoming"
        );
        assert_eq!(
            infer(
                &p,
                &doc("Sammy Maystone", "Taylor Riddel"),
                "Ship To: Taylor's Store"
            )
            .0,
            "incoming"
        );
        assert_eq!(
            infer(&p, &doc("Sammy Maystone", "Taylor Riddel"), "nothing here").0,
            "unknown"
        );
        let l = BusinessProfile::named("iViveLabs Limited");
        assert_eq!(
            infer(
                &l,
                &doc("Amazon Web Services", ""),
                "ATTN: iViveLabs Limited"
            )
            .0,
            "incoming"
        );
    }
}
