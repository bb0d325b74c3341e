//! A party written by its legal name where the page prints it. A till prints its trade name on
//! top ("SATURN", a logo's letters) and the company that issues the receipt at the foot
//! ("SATURN ELECTRO HANDELSGES.MBH", "Aldi GmbH & Co. KG, Schloß Holte"); an invoice's
//! letterhead and its footer do the same. Both name one party, and the books, the model or the
//! vendor's layout may settle either; the name written is the legal one: the name that invoice
//! law asks the issuer to print, the one a tax office or a second reader finds on the page, and
//! the one the labels of the real set give.
//!
//! Only the spelling changes: the party chosen, and whether and how it was settled, stay.

use serde_json::json;

use super::joint::Decision;
use crate::extract::read::candidates::Proposals;
use crate::extract::read::names::spells_more_fully;
use crate::extract::read::parties::LEGAL_NAME_OVER_TWO_LINES;

/// The rule that proposes a company name printed with its legal form on one line
/// (`extract::read::parties`; [`LEGAL_NAME_OVER_TWO_LINES`] over two).
const LEGAL_FORM: &str = "legal form";

/// Write each chosen party name (`from.name`, `to.name`) as its legal name when a company name
/// with a legal form printed on the page spells it more fully ([`spells_more_fully`]; of
/// several, the one the rules rank first). The decision keeps its settledness and `how`;
/// `chosen` points at the legal name's candidate, so the provenance shows where it is printed.
pub fn write_legal_names(ds: &mut [Decision], p: &Proposals) {
    for d in ds
        .iter_mut()
        .filter(|d| matches!(d.field, "from.name" | "to.name"))
    {
        let Some(name) = d.value.as_str() else {
            continue;
        };
        let cands = p.of(d.field);
        let legal = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.evidence.rule, LEGAL_FORM | LEGAL_NAME_OVER_TWO_LINES))
            .filter_map(|(i, c)| c.value.as_str().map(|v| (i, v, c.prior)))
            .filter(|(_, v, _)| spells_more_fully(name, v))
            .max_by(|a, b| a.2.total_cmp(&b.2));
        if let Some((i, v, _)) = legal {
            d.value = json!(v);
            d.chosen = Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::decide::{decide, Business};
    use super::super::tests::{decided, proposals, NOBODY};
    use super::*;
    use crate::extract::read::document::line_sums;

    /// A till receipt as OCR reads it: the trade name on top, the issuing company below.
    const TILL: &str = "SATURN\nSATURN ELECTRO HANDELSGES.MBH\nKamp 30-32\n33098 Paderborn\n\
                        Kopfhoerer 114,98 A\nSUMME EUR 114,98\nBar 120,00\nRueckgeld 5,02\n\
                        11.02.2020 14:12\n";

    #[test]
    fn a_vendor_of_the_books_is_written_by_the_legal_name_its_till_prints() {
        let p = proposals(TILL);
        let vendors = vec!["Saturn".to_string()];
        let business = Business {
            name: "Receipt Holder Ltd",
            vendors: &vendors,
            ..NOBODY
        };
        let d = decide(&p, &HashMap::new(), line_sums(TILL), &business);
        let from = decided(&d, "from.name");
        assert_eq!(from.value, json!("SATURN ELECTRO HANDELSGES.MBH"));
        assert!(from.settled, "{}", from.how);
        assert_eq!(from.how, "a vendor of the books");
        let at = from.chosen.map(|i| p.of("from.name")[i].evidence.rule);
        assert_eq!(at, Some(LEGAL_FORM));
        // Without the books the same name is read, but nothing settles it.
        let d = decide(&p, &HashMap::new(), line_sums(TILL), &NOBODY);
        assert_eq!(
            decided(&d, "from.name").value,
            json!("SATURN ELECTRO HANDELSGES.MBH")
        );
        assert!(!decided(&d, "from.name").settled);
    }
}
