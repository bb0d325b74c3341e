//! The reading rules' words (`schema/reading/vocabulary.json`), loaded once and folded.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::fold::fold;

/// `schema/reading/vocabulary.json`.
pub const VOCABULARY: &str = include_str!("../../../../schema/reading/vocabulary.json");

/// Phrases per category, folded.
#[derive(Debug, Deserialize)]
pub struct Vocabulary {
    pub document_kinds: Kinds,
    pub title_markers: Vec<String>,
    pub paid: Paid,
    pub unpaid: Vec<String>,
    pub payment_methods: BTreeMap<String, Vec<String>>,
    pub recipient_labels: Recipients,
    pub issuer_labels: Vec<String>,
    /// Phrases that introduce the party to be paid ("payable to", "account holder" in bank
    /// details): the issuer of a bill.
    pub payee_labels: Vec<String>,
    pub purchase_order_vendor_labels: Labels,
    pub table_columns: BTreeMap<String, Vec<String>>,
    pub totals_labels: Vec<String>,
    /// Labels of counts, not money, that a total label's words also open ("total qty", "no of
    /// items"): compared with the label's words, punctuation dropped.
    pub count_labels: Vec<String>,
    /// Column headings of a rate, not an amount ("rate", "sats", "taux"; punctuation dropped).
    pub rate_headings: Vec<String>,
    /// Words that label an address line inside a party's block ("Warehouse Address: …").
    pub address_labels: Labels,
    /// Labels printed before a tax identification number ("VAT No", "USt-IdNr.", "NIF").
    pub tax_id_labels: TaxIdLabels,
    /// A till's lines: money tendered and change given.
    pub point_of_sale: PointOfSale,
    /// Words of payment terms in days ("30 days", "Net 30").
    pub payment_terms: PaymentTerms,
}

/// Words of payment terms: the day words after the number, the net words before it.
#[derive(Debug, Deserialize)]
pub struct PaymentTerms {
    pub days: Vec<String>,
    pub net: Vec<String>,
}

/// Words of a till receipt's payment lines.
#[derive(Debug, Deserialize)]
pub struct PointOfSale {
    pub tendered: Vec<String>,
    pub change: Vec<String>,
}

/// Tax id labels, and the words before one that make the id the recipient's ("Your VAT No").
#[derive(Debug, Deserialize)]
pub struct TaxIdLabels {
    pub labels: Vec<String>,
    pub recipient_words: Vec<String>,
}

/// Title words per document kind, and the order kinds are tried in.
#[derive(Debug, Deserialize)]
pub struct Kinds {
    pub order: Vec<String>,
    #[serde(flatten)]
    pub words: BTreeMap<String, serde_json::Value>,
    /// Every kind's phrases, folded, kinds in `order` (filled on load): what title checks
    /// compare against, without parsing `words` again.
    #[serde(skip)]
    pub folded: Vec<String>,
}

impl Kinds {
    /// The phrases of `kind`.
    pub fn phrases(&self, kind: &str) -> Vec<String> {
        self.words
            .get(kind)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

/// Evidence of payment.
#[derive(Debug, Deserialize)]
pub struct Paid {
    pub stamps: Vec<String>,
    pub phrases: Vec<String>,
    pub amount_zero: Vec<String>,
}

/// A list of labels with a note.
#[derive(Debug, Deserialize)]
pub struct Labels {
    pub labels: Vec<String>,
}

/// Recipient labels: billing (the party billed) and shipping.
#[derive(Debug, Deserialize)]
pub struct Recipients {
    pub billing: Vec<String>,
    pub shipping: Vec<String>,
}

fn folded(v: &mut [String]) {
    for s in v.iter_mut() {
        *s = fold(s);
    }
}

/// The vocabulary (parsed and folded on first use; the file is checked by a test).
pub fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        let mut v: Vocabulary =
            serde_json::from_str(VOCABULARY).expect("schema/reading/vocabulary.json is valid");
        v.document_kinds.folded = v
            .document_kinds
            .order
            .iter()
            .flat_map(|k| v.document_kinds.phrases(k))
            .map(|p| fold(&p))
            .collect();
        folded(&mut v.title_markers);
        folded(&mut v.paid.stamps);
        folded(&mut v.paid.phrases);
        folded(&mut v.paid.amount_zero);
        folded(&mut v.unpaid);
        folded(&mut v.recipient_labels.billing);
        folded(&mut v.recipient_labels.shipping);
        folded(&mut v.issuer_labels);
        folded(&mut v.payee_labels);
        folded(&mut v.purchase_order_vendor_labels.labels);
        folded(&mut v.totals_labels);
        folded(&mut v.count_labels);
        folded(&mut v.rate_headings);
        folded(&mut v.address_labels.labels);
        folded(&mut v.tax_id_labels.labels);
        folded(&mut v.tax_id_labels.recipient_words);
        folded(&mut v.point_of_sale.tendered);
        folded(&mut v.point_of_sale.change);
        folded(&mut v.payment_terms.days);
        folded(&mut v.payment_terms.net);
        for l in v
            .payment_methods
            .values_mut()
            .chain(v.table_columns.values_mut())
        {
            folded(l);
        }
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_file_loads_and_every_kind_has_words() {
        let v = vocabulary();
        for k in &v.document_kinds.order {
            assert!(!v.document_kinds.phrases(k).is_empty(), "{k}");
        }
        for c in ["description", "quantity", "unit_price", "amount", "tax"] {
            assert!(v.table_columns.contains_key(c), "{c}");
        }
        for m in ["card", "cash", "check", "transfer"] {
            assert!(v.payment_methods.contains_key(m), "{m}");
        }
    }
}
