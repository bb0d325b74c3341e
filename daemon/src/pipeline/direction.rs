//! Which way a document goes, seen from the business, and who the counterparty is — decided by
//! matching the business (its name, tax id) against the parties the rules read, never by the
//! model:
//!
//! 1. the business is the **issuer** (its name or tax id matches `from`) → `outgoing`, the
//!    counterparty is the recipient;
//! 2. the business is the **recipient** (`to`, or the ship-to block), or the text names it
//!    under a recipient label → `incoming`, the counterparty is the issuer;
//! 3. the business is only mentioned somewhere else → `incoming` (confidence 60);
//! 4. the business is not named at all → `incoming` as the likelier case for a document dropped
//!    into an accountant's folder, confidence 40 (the result goes to review) — but 90 for a
//!    receipt (its kind settled) whose issuer is read: a till receipt never names its buyer, and
//!    its issuer is not the business.
//!
//! Names are compared as sets of significant words — folded (case, accents), punctuation and
//! legal forms ("Ltd", "GmbH", "S.A.R.L." …) removed — or, for OCR noise, by at most one edit
//! in six letters (two in twelve) or Jaro–Winkler similarity ≥ 0.94 of the joined words
//! (`strsim`).

use serde::Serialize;
use serde_json::Value;

use super::profile::BusinessProfile;
use crate::extract::read::fold::fold;
use crate::extract::read::names::label_at;
use crate::extract::read::segments::segments;

/// Legal forms and filler words left out of name comparisons (folded).
const LEGAL_FORMS: &[&str] = &[
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "sl",
    "slu",
    "srl",
    "spa",
    "bv",
    "nv",
    "pvt",
    "private",
    "pty",
    "the",
    "et",
    "and",
    "und",
    "y",
];

/// Significant words of a name.
pub fn words(s: &str) -> Vec<String> {
    fold(s)
        .replace(['.', '\''], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Whether `party` names the business `business` (both as printed).
pub fn same_name(business: &str, party: &str) -> bool {
    let (b, p) = (words(business), words(party));
    if b.is_empty() || p.is_empty() {
        return false;
    }
    if b.iter().all(|w| p.contains(w)) || p.len() >= 2 && p.iter().all(|w| b.contains(w)) {
        return true;
    }
    let (b, p) = (b.join(" "), p.join(" "));
    // OCR noise: one wrong letter in six, two in twelve.
    let edits = strsim::levenshtein(&b, &p);
    let n = b.chars().count().min(p.chars().count());
    (n >= 6 && edits <= 1) || (n >= 12 && edits <= 2) || strsim::jaro_winkler(&b, &p) >= 0.94
}

/// The direction decided, with the counterparty and why.
#[derive(Debug, Clone, Serialize)]
pub struct Sides {
    /// `incoming` or `outgoing`.
    pub direction: &'static str,
    /// The other party (the extracted `from` or `to` object).
    pub counterparty: Value,
    /// Where the business was found: `issuer`, `recipient`, `ship_to`, `recipient_label`,
    /// `mentioned` or `absent`.
    pub business_is: &'static str,
    pub reason: String,
    /// 0–100.
    pub confidence: i64,
}

fn is_party(profile: &BusinessProfile, party: &Value) -> bool {
    let by_name = party["name"]
        .as_str()
        .is_some_and(|n| same_name(&profile.name, n));
    let by_tax_id = match (profile.tax_id.as_deref(), party["tax_id"].as_str()) {
        (Some(a), Some(b)) => {
            crate::extract::read::fold::key(a) == crate::extract::read::fold::key(b)
        }
        _ => false,
    };
    by_name || by_tax_id
}

/// Whether a line of `text` names the business under a recipient label (on the line or up to
/// three lines above, in the same column).
fn under_recipient_label(profile: &BusinessProfile, text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        for seg in segments(line) {
            if !same_name(&profile.name, &seg.text) {
                continue;
            }
            let above = &lines[i.saturating_sub(3)..=i];
            let labelled = above.iter().any(|l| {
                segments(l).iter().any(|s| {
                    s.col.abs_diff(seg.col) <= 3
                        && label_at(&s.text).is_some_and(|(k, _)| k == "billing" || k == "shipping")
                })
            });
            if labelled {
                return true;
            }
        }
    }
    false
}

/// A till receipt names no buyer: a receipt (its kind settled) whose issuer is read — and is not
/// the business, which `decide` checks first — was bought from that issuer.
fn bought_at_a_till(extracted: &Value) -> bool {
    extracted["document_type"] == "receipt"
        && extracted["provenance"]["document_type"]["settled"] == true
        && !extracted["from"]["name"].is_null()
}

/// Why the issuer `from` of a document not naming the business is one of its vendors: its
/// books (vendor list, transaction history) or profile know it.
fn known_vendor(profile: &BusinessProfile, from: &Value) -> Option<String> {
    let issuer = from["name"].as_str()?;
    let known = profile.vendors.iter().find(|v| same_name(v, issuer))?;
    Some(format!(
        "{} is not named; its issuer is {known}, a vendor of its books: bought from it",
        profile.name
    ))
}

/// Decide the direction of `extracted` (with its layout `text`) for `profile`.
pub fn decide(profile: &BusinessProfile, extracted: &Value, text: &str) -> Sides {
    let (from, to) = (&extracted["from"], &extracted["to"]);
    let sides = |direction, counterparty: &Value, business_is, reason: String, confidence| Sides {
        direction,
        counterparty: counterparty.clone(),
        business_is,
        reason,
        confidence,
    };
    let name = &profile.name;
    if is_party(profile, from) && !is_party(profile, to) {
        return sides(
            "outgoing",
            to,
            "issuer",
            format!("{name} issued the document"),
            95,
        );
    }
    if is_party(profile, to) {
        return sides(
            "incoming",
            from,
            "recipient",
            format!("the document is addressed to {name}"),
            95,
        );
    }
    if is_party(profile, &extracted["ship_to"]) {
        return sides(
            "incoming",
            from,
            "ship_to",
            format!("the document ships to {name}"),
            90,
        );
    }
    if under_recipient_label(profile, text) {
        return sides(
            "incoming",
            from,
            "recipient_label",
            format!("{name} is named under a recipient label"),
            90,
        );
    }
    if let Some(why) = known_vendor(profile, from) {
        return sides("incoming", from, "absent", why, 90);
    }
    let mentioned = text
        .lines()
        .flat_map(segments)
        .any(|s| same_name(name, &s.text));
    if mentioned {
        return sides(
            "incoming",
            from,
            "mentioned",
            format!("{name} is mentioned in a document issued by another party"),
            60,
        );
    }
    if bought_at_a_till(extracted) {
        return sides(
            "incoming",
            from,
            "absent",
            format!("a receipt names no buyer and {name} did not issue it: bought from its issuer"),
            90,
        );
    }
    sides(
        "incoming",
        from,
        "absent",
        format!("{name} is not named on the document; taken as received from its issuer"),
        40,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(from: &str, to: &str) -> Value {
        json!({"from": {"name": from, "tax_id": null}, "to": {"name": to, "tax_id": null}, "ship_to": null})
    }

    #[test]
    fn issuer_recipient_ship_to_and_absence() {
        let p = BusinessProfile::named("Taylor's Store");
        assert_eq!(
            decide(&p, &doc("Taylor's Store Inc.", "Bob"), "").direction,
            "outgoing"
        );
        let s = decide(&p, &doc("Sammy Maystone", "TAYLORS STORE"), "");
        assert_eq!((s.direction, s.business_is), ("incoming", "recipient"));
        assert_eq!(s.counterparty["name"], "Sammy Maystone");
        let mut d = doc("Sammy Maystone", "Taylor Riddel");
        d["ship_to"] = json!({"name": "Taylor's Store"});
        assert_eq!(decide(&p, &d, "").business_is, "ship_to");
        let s = decide(&p, &doc("Sammy Maystone", "Taylor Riddel"), "nothing here");
        assert_eq!(
            (s.direction, s.business_is, s.confidence),
            ("incoming", "absent", 40)
        );
        // A vendor of its books (a list, the transaction history) sold it.
        let mut known = p.clone();
        known.vendors = vec!["Sammy Maystone LLC".into()];
        let s = decide(
            &known,
            &doc("SAMMY MAYSTONE", "Taylor Riddel"),
            "nothing here",
        );
        assert_eq!((s.direction, s.confidence), ("incoming", 90));
        let l = BusinessProfile::named("iViveLabs Limited");
        let s = decide(
            &l,
            &doc("Amazon Web Services, Inc.", ""),
            "Bill to Address:\nATTN: iViveLabs Limited\n",
        );
        assert_eq!(s.business_is, "recipient_label");
    }

    #[test]
    fn names_compare_without_legal_forms_accents_or_ocr_noise() {
        assert!(same_name("Müller Bau GmbH", "MULLER BAU"));
        assert!(same_name("Atelier Dupont S.A.R.L.", "Atelier Dupont SARL"));
        assert!(same_name("iViveLabs Limited", "iVlveLabs Limited"));
        assert!(!same_name("Taylor's Store", "Taylor Riddel"));
        assert!(!same_name("Anushrut Singh", "WS Retail Services Pvt. Ltd."));
    }
}
