//! Which evidence is strong enough for the rules' and the model's agreement to settle a field
//! ([`weak_evidence`]), measured against the labels of the real development half, and which
//! options the model's answer is taken among ([`ruled_out`]).

use serde_json::Value;

use crate::extract::candidates::labelled_fields;
use crate::extract::read::candidates::{digits, Candidate};
use crate::extract::read::fold::key;
use crate::extract::read::parties::LEGAL_NAME_OVER_TWO_LINES;

/// The prior of an amount-due candidate under an amount-due label ("Amount due", "Å betale");
/// below it, the amount is printed under some other label or none.
pub const DUE_LABELLED: f64 = 2.0;

/// Whether candidate `c` of `field` (among `cands`) rests on evidence too weak for agreement to
/// settle it: a rule whose best candidate was the labelled value less than half the time on the
/// real development half (`zopilot text --candidates`, 182 documents): an unlabelled amount (36
/// of 141), a name-like segment of the head (4 of 15), an unlabelled id in the head (9 of 27), an
/// id-like token (1 of 11), a reference (0 of 5), an amount before the last on a total's row
/// (a column sum: 11 of 22 the tax or subtotal); for the recipient, the letterhead (2 of 13) or a
/// legal-form name found anywhere (4 of 16), and a tax id under no recipient's label (1 of 15).
/// The model agrees with such a pick as readily as with a labelled one; only the arithmetic
/// (or an identity) settles it. A name read from an unlabelled address block is as weak:
/// whose block it is, nothing printed says.
///
/// And, where the model's agreement was measured not to be enough (the default model on the
/// same half, agreement-settled fields against the labels): the issuer's name from the
/// letterhead or a legal-form line (76 of 103 right: trade name for legal name, OCR-garbled
/// letters, the other party's block), which only a label or the books (a vendor of the books)
/// settle; a number under a generic or an order label ("#", "PO#", "Beleg-Nr.", "Bestellnr.":
/// prior below 5, 2 of 13); an amount due under a weak label (prior below 2, 0 of 9); an
/// unlabelled date as the due date (2 of 9); a subtotal (6 of 12 by agreement: a VAT table prints
/// a net per rate), which only the arithmetic settles; a tax id without a country prefix when one
/// with a prefix is among the candidates (0 of 4: the VAT id is the one posted); the issuer's
/// tax id when another party's tax id is printed too and no recipient's label says which is
/// whose ([`rival_tax_id`]: the side read from the blocks was right 10 of 13 times on the
/// development half's PDFs, and the model agrees with it as readily when it is wrong).
pub fn weak_evidence(
    field: &str,
    c: &Candidate,
    cands: &[Candidate],
    is_business: &dyn Fn(&Value) -> bool,
) -> bool {
    const WEAK: &[&str] = &[
        "amount printed",
        "column sum",
        "head",
        "id in the head",
        "id-like token",
        "reference",
    ];
    let rule = c.evidence.rule;
    let vat_like = |v: &Value| {
        let s = v.as_str().unwrap_or("").replace(' ', "");
        let b = s.as_bytes();
        b.len() > 3
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_uppercase()
            && b[2].is_ascii_digit()
    };
    WEAK.contains(&rule)
        || match field {
            "to.name" => matches!(
                rule,
                "letterhead" | "legal form" | "address block" | LEGAL_NAME_OVER_TWO_LINES
            ),
            "to.tax_id" => c.prior < 1.0,
            "from.name" => matches!(
                rule,
                "letterhead" | "legal form" | "address block" | LEGAL_NAME_OVER_TWO_LINES
            ),
            "invoice_number" => rule == "label" && c.prior < 5.0,
            "amount_due" => c.prior < DUE_LABELLED,
            "due_date" => rule == "date printed",
            "subtotal" => true,
            "from.tax_id" => {
                (!vat_like(&c.value) && cands.iter().any(|o| vat_like(&o.value)))
                    || rival_tax_id(c, cands, is_business)
            }
            _ => false,
        }
}

/// Whether `cands` (the issuer's tax-id candidates) hold a tax id printed on the document
/// (rule `tax id`) that is another party's than `c`: its digits are not `c`'s nor inside them
/// or around them (a SIRET inside its French VAT number, a Czech IČO inside its DIČ are one
/// party's), no recipient's label claimed it (its issuer prior is not below -1: the
/// recipient-labelled ids rank -2 for the issuer) and it is not the business's own
/// (`is_business`: the identity tells whose that one is).
pub fn rival_tax_id(
    c: &Candidate,
    cands: &[Candidate],
    is_business: &dyn Fn(&Value) -> bool,
) -> bool {
    let own = digits(&c.value);
    if own.len() < 5 {
        return false;
    }
    cands.iter().any(|o| {
        let d = digits(&o.value);
        o.evidence.rule == "tax id"
            && o.prior >= -1.0
            && d.len() >= 5
            && !own.contains(&d)
            && !d.contains(&own)
            && !is_business(&o.value)
    })
}

/// Whether date candidate `c` is printed under a label naming the due date.
fn under_due_label(c: &Candidate) -> bool {
    matches!(c.evidence.rule, "label" | "label above")
        && c.evidence
            .label
            .as_deref()
            .is_some_and(|l| labelled_fields(l).contains(&"due_date"))
}

/// The candidates of `field` its identity or arithmetic rules out, given the chosen value of
/// another field (`value_of`): the business on one side when the other side is the business;
/// the document's own number as a tax id; a due date before the chosen issue date, or the issue
/// date itself when the page prints another date under a due date's label (on the real
/// development and test halves' PDFs, 41 documents print both, and the labelled due date was
/// the one under its label every time).
pub fn ruled_out(
    field: &str,
    cands: &[Candidate],
    value_of: &dyn Fn(&str) -> Value,
    is_business: &dyn Fn(&Value) -> bool,
) -> Vec<usize> {
    let other = match field {
        "from.name" => "to.name",
        "to.name" => "from.name",
        "from.tax_id" | "to.tax_id" => "invoice_number",
        "due_date" => "issue_date",
        _ => return Vec::new(),
    };
    let v = value_of(other);
    let out = |c: &Candidate| {
        if other == "issue_date" {
            // ISO dates compare as strings.
            matches!((c.value.as_str(), v.as_str()), (Some(d), Some(i)) if d < i
                || d == i && cands.iter().any(|o| o.value != c.value && under_due_label(o)))
        } else if other == "invoice_number" {
            !v.is_null() && key(c.value.as_str().unwrap_or("")) == key(v.as_str().unwrap_or(""))
        } else {
            is_business(&v) && is_business(&c.value)
        }
    };
    (0..cands.len()).filter(|&i| out(&cands[i])).collect()
}
