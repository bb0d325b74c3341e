//! A party the books know, picked among the names the page prints for it. OCR misreads a logo
//! ("MedlaMarkt" for "MEDIA MARKT"), and a company name printed over two lines offers its second
//! line alone as well ("TV-Hifi-Elektro GmbH" under "MEDIA MARKT"); the rules or the model may
//! pick such a reading. Where another candidate of the same field names a counterparty of the
//! books (the issuer: a vendor; the recipient: a customer) and the chosen name is that candidate
//! misread ([`misread_as`]) or a part of it (its words inside the candidate's), the choice moves
//! to that candidate, and the identity then settles it ([`super::decide`]).
//!
//! A shop the books know by its trade name may print it with its branch or owner after it
//! ("Marktkauf Lehr", a franchise, for the books' "Marktkauf"): that is the vendor too
//! ([`branch_of`]). Where the chosen issuer is only a line of the head (a letterhead or a
//! slogan, often a logo OCR garbled: "thomasLche") and unsettled, a known vendor heading one of
//! the page's address blocks is the issuer instead.
//!
//! Nothing is written that the page does not print, and a chosen name that is neither a
//! misreading nor a part of the known one stays as it is: a page that prints a known vendor's
//! name somewhere else (a reseller's invoice naming the maker) is not taken for the vendor's.

use serde_json::{json, Value};

use super::joint::{misread_as, Decision};
use crate::extract::read::candidates::Proposals;
use crate::extract::read::fold::{has_words, key, words};
use crate::extract::read::names::spells_more_fully;

/// Most words a branch or owner adds after a trade name ([`branch_of`]).
const BRANCH_WORDS: usize = 2;

/// Whether `v` names a counterparty of `list`: as the books spell it (after folding case,
/// accents and punctuation), by its legal name ([`spells_more_fully`]), or with its branch or
/// owner after it ([`branch_of`]).
pub fn in_list(list: &[String], v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        key(s).len() >= 4
            && list.iter().any(|c| {
                key(c) == key(s)
                    || key(c).len() >= 4 && (spells_more_fully(c, s) || branch_of(c, s))
            })
    })
}

/// Whether `name` is `known` (a trade name, at least 4 letters) followed by at most
/// [`BRANCH_WORDS`] words without digits: a branch's place or its owner ("Marktkauf Lehr" for
/// "Marktkauf").
pub fn branch_of(known: &str, name: &str) -> bool {
    let (k, n) = (words(known), words(name));
    let rest = n.strip_prefix(k.as_str()).and_then(|r| r.strip_prefix(' '));
    key(known).len() >= 4
        && rest.is_some_and(|r| {
            r.split(' ').count() <= BRANCH_WORDS && !r.chars().any(|c| c.is_ascii_digit())
        })
}

/// Rules whose name is only a line of the page's head (no block, legal form or label behind
/// it): a logo, a slogan.
const HEAD_ONLY: [&str; 2] = ["letterhead", "head"];

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
        let candidates = p.of(d.field);
        // An unsettled issuer that is only a line of the head gives way to a known vendor
        // heading an address block.
        let head_only = d.field == "from.name"
            && !d.settled
            && d.chosen
                .and_then(|i| candidates.get(i))
                .is_some_and(|c| HEAD_ONLY.contains(&c.evidence.rule));
        let known: Vec<(usize, &str, f64)> = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| in_list(list, &c.value))
            .filter(|(_, c)| {
                (head_only && c.evidence.rule == "address block")
                    || c.value.as_str().is_some_and(|v| same_name(chosen, v))
            })
            .filter_map(|(i, c)| c.value.as_str().map(|v| (i, v, c.prior)))
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

    /// A franchise's till receipt: the logo garbled, the shop named with its owner over its
    /// address, under its web address.
    const FRANCHISE: &str = "             thomasLche\n        scannen und Feedback geben.\n\
                             \x20      www.edeka-albers.de\n             Edeka Albers\n\
                             \x20           Bahnhofstr. 17\n            33098 Paderborn\n\
                             \x20SALATBAR                 2,34\n SUMME EUR                2,34\n\
                             \x20BAR          EUR         5,00\n 28.02.20 09:58\n";

    #[test]
    fn a_known_shop_heading_its_block_is_the_issuer_over_a_garbled_logo() {
        let p = proposals(FRANCHISE);
        let j = HashMap::from([model_prefers(&p, "from.name", "thomasLche")]);
        let issuer = |vendors: &[String]| {
            let business = Business {
                name: "Receipt Holder Ltd",
                vendors,
                ..NOBODY
            };
            let d = decide(&p, &j, line_sums(FRANCHISE), &business);
            decided(&d, "from.name").clone()
        };
        // The books know the shop by its trade name; the page adds its owner.
        let from = issuer(&["Edeka".to_string()]);
        assert_eq!(from.value, json!("Edeka Albers"));
        assert!(from.settled, "{}", from.how);
        assert_eq!(from.how, "a vendor of the books");
        // A vendor the books do not know leaves the model's reading, unsettled.
        let from = issuer(&["Globus".to_string()]);
        assert_eq!(from.value, json!("thomasLche"));
        assert!(!from.settled);
    }

    #[test]
    fn a_branch_is_the_trade_name_and_at_most_two_words_without_digits() {
        assert!(branch_of("Marktkauf", "Marktkauf Lehr"));
        assert!(branch_of("Edeka", "EDEKA Albers Paderborn"));
        assert!(!branch_of("Edeka", "Edeka Albers Paderborn Nord"));
        assert!(!branch_of("Edeka", "Edeka 4711"));
        assert!(!branch_of("Markt", "Marktkauf Lehr"));
        assert!(!branch_of("Lehr", "Marktkauf Lehr"));
        assert!(
            !branch_of("dm", "dm Paderborn"),
            "a trade name of under 4 letters"
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
