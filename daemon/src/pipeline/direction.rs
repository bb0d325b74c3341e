//! Which way a document goes, seen from the business: a deterministic rule on the parties, so
//! Stage 1 does not have to guess whether "Taylor's Store" sent or received an invoice.
//!
//! 1. the layout text names the business under or beside a recipient label ("Bill to", "Ship to",
//!    "ATTN", "Customer", "Guest", "Billing address", "Nom de l'abonné", "Rechnungsempfänger", …,
//!    on the same line or up to three lines above) → `incoming`;
//! 2. the business heads the document (one of its first three lines: a letterhead) → `outgoing`;
//! 3. the extracted recipient (`to`) is the business → `incoming`; the extracted issuer (`from`)
//!    is → `outgoing` (extraction by a small model mixes the two up, hence the text rules first);
//! 4. the business is only mentioned in someone else's document → `incoming`;
//! 5. otherwise `unknown` (Stage 1 decides alone).
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

/// Labels that introduce the recipient of a document (lower case, matched inside a line).
const RECIPIENT_LABELS: &[&str] = &[
    "bill to",
    "billed to",
    "ship to",
    "shipped to",
    "sold to",
    "invoice to",
    "deliver to",
    "attn",
    "attention",
    "customer",
    "client",
    "guest",
    "billing address",
    "shipping address",
    "recipient",
    "buyer",
    "to:",
    "facturé à",
    "adresse de facturation",
    "livré à",
    "destinataire",
    "abonné",
    "rechnungsempfänger",
    "kunde",
    "lieferadresse",
    "an:",
];

fn has_recipient_label(line: &str) -> bool {
    let l = line.to_lowercase();
    RECIPIENT_LABELS.iter().any(|lab| l.contains(lab))
}

/// Where the business appears in the layout text: (under a recipient label, in the first lines).
fn text_position(business: &[String], text: &str) -> (bool, bool) {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut recipient = false;
    let mut heading = false;
    for (i, line) in lines.iter().enumerate() {
        if !names_business(business, Some(line)) {
            continue;
        }
        if lines[i.saturating_sub(3)..=i]
            .iter()
            .any(|l| has_recipient_label(l))
        {
            recipient = true;
        } else if i < 3 {
            heading = true;
        }
    }
    (recipient, heading)
}

/// The inferred direction (`incoming`, `outgoing`, `unknown`) and why, for the prompt.
pub fn infer(profile: &BusinessProfile, extracted: &Value, text: &str) -> (&'static str, String) {
    let business = words(&profile.name);
    let from = extracted["from"]["name"].as_str();
    let to = extracted["to"]["name"].as_str();
    let (recipient, heading) = text_position(&business, text);
    if recipient {
        return (
            "incoming",
            format!("the document names {} as its recipient", profile.name),
        );
    }
    if heading {
        return ("outgoing", format!("{} heads the document", profile.name));
    }
    if names_business(&business, to) {
        return (
            "incoming",
            format!("the document is addressed to {}", profile.name),
        );
    }
    if names_business(&business, from) {
        return ("outgoing", format!("{} issued this document", profile.name));
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
