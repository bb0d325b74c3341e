//! A party the books know, picked among the names the page prints for it. OCR misreads a logo
//! ("MedlaMarkt" for "MEDIA MARKT"), and a company name printed over two lines offers its second
//! line alone as well ("TV-Hifi-Elektro GmbH" under "MEDIA MARKT"); the rules or the model may
//! pick such a reading. Where another candidate of the same field names a counterparty of the
//! books (the issuer: a vendor; the recipient: a customer) and the chosen name is that candidate
//! misread ([`misread_as`]) or a part of it (its words inside the candidate's), the choice moves
//! to that candidate, and the identity then settles it ([`super::decide`]).
//!
//! Nothing is written that the page does not print, and a chosen name that is neither a
//! misreading nor a part of the known one stays as it is: a page that prints a known vendor's
//! name somewhere else (a reseller's invoice naming the maker) is not taken for the vendor's.

use serde_json::{json, Value};

use super::joint::{misread_as, Decision};
use crate::extract::read::candidates::Proposals;
use crate::extract::read::fold::{has_words, key, words};
use crate::extract::read::names::spells_more_fully;

/// Whether `v` names a counterparty of `list`: as the books spell it (after folding case,
/// accents and punctuation), or by its legal name ([`spells_more_fully`]).
pub fn in_list(list: &[String], v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        key(s).len() >= 4
            && list
                .iter()
                .any(|c| key(c) == key(s) || key(c).len() >= 4 && spells_more_fully(c, s))
    })
}

/// Whether `chosen` is a reading of the same printed name as `known`: misread, or a run of at
/// least two of its words (one word alone — "Markt", a legal form — names nobody for sure).
fn same_name(chosen: &str, known: &str) -> bool {
    let (c, k) = (words(chosen), words(known));
    misread_as(chosen, known) || (c.split(' ').count() >= 2 && c != k && has_words(&k, &c))
}

/// Move each chosen party name (`from.name` to a vendor of the books, `to.name` to a customer)
/// to the candidate that names the counterparty as the books know it ([`in_list`]), where the
/// chosen name is a misreading or a part of it ([`same_name`]). Of several such candidates, the
/// one the rules rank first; none is taken when they name different counterparties (neither a
/// part of the other). The decision's settledness and `how` stay; [`super::decide`]'s identity
/// step settles a known party after this.
pub fn choose_known(ds: &mut [Decision], p: &Proposals, vendors: &[String], customers: &[String]) {
    for d in ds
        .iter_mut()
        .filter(|d| matches!(d.field, "from.name" | "to.name"))
    {
        let list = if d.field == "from.name" {
            vendors
        } else {
            customers
        };
        let Some(chosen) = d.value.as_str() else {
            continue;
        };
        if in_list(list, &d.value) {
            continue;
        }
        let known: Vec<(usize, &str, f64)> = p
            .of(d.field)
            .iter()
            .enumerate()
            .filter(|(_, c)| in_list(list, &c.value))
            .filter_map(|(i, c)| c.value.as_str().map(|v| (i, v, c.prior)))
            .filter(|(_, v, _)| same_name(chosen, v))
            .collect();
        let one_party = known.iter().all(|a| {
            known.iter().all(|b| {
                let (x, y) = (words(a.1), words(b.1));
                has_words(&x, &y) || has_words(&y, &x)
            })
        });
        if !one_party {
            continue;
        }
        if let Some((i, v, _)) = known.iter().max_by(|a, b| a.2.total_cmp(&b.2)) {
            d.value = json!(v);
            d.chosen = Some(*i);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::decide::{decide, Business};
    use super::super::tests::{decided, model_prefers, proposals, NOBODY};
    use super::*;
    use crate::extract::read::document::line_sums;

    /// A till receipt as OCR reads it: the logo misread, the company printed over two lines.
    const TILL: &str = "MedlaMarkt\n              MEDIA MARKT\n      TV-Hifi-Elektro GmbH Paderborn\n\
                        \x20             Pohlweg 110\n            33100 PADERBORN\n\
                        \x202121161                        39,00 b\n APPLE\n\
                        \x20Total EUR                      39,00\n Bar                            50,00\n\
                        \x20Rueckgeld                      11,00\n 14.05.2020 14:12\n";

    /// The issuer decided on [`TILL`] when the model prefers `model_pick` and the books know
    /// `vendors` (none: nobody's books).
    fn issuer(model_pick: &str, vendors: &[&str]) -> Decision {
        let p = proposals(TILL);
        let j = HashMap::from([model_prefers(&p, "from.name", model_pick)]);
        let vendors: Vec<String> = vendors.iter().map(|v| v.to_string()).collect();
        let business = Business {
            name: "Receipt Holder Ltd",
            vendors: &vendors,
            ..NOBODY
        };
        let business = if vendors.is_empty() { NOBODY } else { business };
        let d = decide(&p, &j, line_sums(TILL), &business);
        decided(&d, "from.name").clone()
    }

    #[test]
    fn a_misread_logo_is_the_vendor_the_books_know_written_by_its_legal_name() {
        let from = issuer("MedlaMarkt", &["Media Markt"]);
        assert_eq!(
            from.value,
            json!("MEDIA MARKT TV-Hifi-Elektro GmbH Paderborn")
        );
        assert!(from.settled, "{}", from.how);
        assert_eq!(from.how, "a vendor of the books");
        // Without the books the model's reading stays, and nothing settles it.
        let from = issuer("MedlaMarkt", &[]);
        assert_eq!(from.value, json!("MedlaMarkt"));
        assert!(!from.settled);
    }

    #[test]
    fn the_second_line_of_a_known_name_is_the_whole_name() {
        let from = issuer(
            "TV-Hifi-Elektro GmbH",
            &["MEDIA MARKT TV-Hifi-Elektro GmbH Paderborn"],
        );
        assert_eq!(
            from.value,
            json!("MEDIA MARKT TV-Hifi-Elektro GmbH Paderborn")
        );
        assert!(from.settled, "{}", from.how);
    }

    #[test]
    fn another_known_name_on_the_page_does_not_replace_the_issuer() {
        let t = "Northwind Traders Ltd\n12 High Street\nLeeds LS1 4AB\nInvoice No: 5521\n\
                 Date: 02/03/2025\nAcme Widgets GmbH product line\nWidget 10,00\nTotal 10,00\n";
        let p = proposals(t);
        let j = HashMap::from([model_prefers(&p, "from.name", "Northwind Traders Ltd")]);
        let vendors = vec!["Acme Widgets GmbH".to_string()];
        let business = Business {
            vendors: &vendors,
            ..NOBODY
        };
        let d = decide(&p, &j, line_sums(t), &business);
        assert_eq!(
            decided(&d, "from.name").value,
            json!("Northwind Traders Ltd")
        );
    }

    #[test]
    fn same_name_is_a_misreading_or_a_run_of_words() {
        assert!(same_name("MedlaMarkt", "MEDIA MARKT"));
        assert!(same_name(
            "TV-Hifi-Elektro GmbH",
            "MEDIA MARKT TV-Hifi-Elektro GmbH Paderborn"
        ));
        assert!(!same_name("Markt", "Marktkauf Lehr"));
        assert!(!same_name("Northwind Traders Ltd", "Acme Widgets GmbH"));
        assert!(!same_name("GmbH", "Acme Widgets GmbH"));
    }
}
