//! What the books' transaction history teaches about a counterparty, before any model call: the
//! lines its books already posted (imported transaction reports, `zopilot books import`, and the
//! lines of approved documents) — the PRIMARY action used ([`History::primary`]), and each
//! account with its count, recency, typical line texts and amounts, class and tax code
//! ([`History::accounts`]).
//!
//! The document's counterparty is matched to the history's names as the lookups match the
//! books' lists ([`super::lookups::find`]: exact → normalized → fuzzy; ambiguous ⇒ no match).
//! Lines on the payment side of a transaction (A/P, the bank, a card: [`Ledger::is_settlement`])
//! teach nothing about where purchases go and are left out.
//!
//! A line's account ([`History::account_for`]): the account of the vendor's posted lines with
//! the same or a similar text when ≥ [`DOMINANT`] of them agree, else
//! ([`History::dominant`]) the account that covers ≥ [`DOMINANT`] of all its lines — with the
//! evidence ("from 14 of 15 posted lines of this vendor").

use std::collections::BTreeMap;

use anyhow::Result;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};

use super::books::Ledger;
use super::direction::words;
use super::lookups::{find, Found};
use crate::store::books::{BookEntry, BookList, Posted};
use crate::store::Storage;

/// The share of a vendor's lines (or of its lines like a line's text) one account must cover to
/// decide; likewise one PRIMARY action of its transactions.
pub const DOMINANT: f64 = 0.8;

/// A counterparty's history.
#[derive(Debug, Clone)]
pub struct History {
    /// The counterparty as the books name it.
    pub name: String,
    /// How the document's counterparty matched it: `exact`, `normalized`, `fuzzy`.
    pub matched: &'static str,
    /// Its posted lines with an account (payment-side lines left out), newest first.
    pub lines: Vec<Posted>,
    /// Its transactions by canonical type, most used first.
    pub kinds: Vec<(String, usize)>,
}

/// One account's use by the counterparty.
#[derive(Debug, Clone, Serialize)]
pub struct AccountUse {
    pub account: String,
    /// Posted lines to it.
    pub lines: usize,
    /// The newest line's day.
    pub last: Option<String>,
    /// The most frequent line texts (at most 3).
    pub texts: Vec<String>,
    /// The median line amount.
    #[serde(serialize_with = "crate::extract::money::serialize_opt")]
    pub typical_amount: Option<Decimal>,
    /// The class / tax code of ≥ [`DOMINANT`] of its lines.
    pub class: Option<String>,
    pub tax_code: Option<String>,
}

/// An account the history decides for a line, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub account: String,
    pub class: Option<String>,
    pub tax_code: Option<String>,
    /// "from 14 of 15 posted lines of this vendor".
    pub evidence: String,
}

/// The history's counterparties, each once: names with the same significant words (`Lidl`,
/// `LIDL` of an approval) are one counterparty, named as first spelled.
fn counterparties(names: &[(String, String)]) -> Vec<(BookEntry, Vec<String>)> {
    let mut out: Vec<(BookEntry, Vec<String>)> = Vec::new();
    for (name, _) in names {
        let key = words(name);
        match out.iter_mut().find(|(e, _)| words(&e.name) == key) {
            Some((_, all)) if !all.contains(name) => all.push(name.clone()),
            Some(_) => {}
            None => out.push((
                BookEntry {
                    list: BookList::Vendors,
                    id: None,
                    name: name.clone(),
                    kind: None,
                    number: None,
                    currency: None,
                    active: true,
                    detail: Value::Null,
                },
                vec![name.clone()],
            )),
        }
    }
    out
}

/// The group of `groups` (the history's counterparties) that names `party`, matched as the
/// lookups match, with how; `None` when none does (or several are as close).
fn matched<'a>(
    groups: &'a [(BookEntry, Vec<String>)],
    party: &str,
) -> Option<(&'static str, &'a (BookEntry, Vec<String>))> {
    let refs: Vec<&BookEntry> = groups.iter().map(|(e, _)| e).collect();
    let Found::Match(how, e, _) = find(&refs, party) else {
        return None;
    };
    groups
        .iter()
        .find(|(g, _)| std::ptr::eq(g, e))
        .map(|g| (how, g))
}

/// How the books' history names `party` (for an approval's lines): its name there when the
/// history knows it, else `party`.
pub fn books_name(store: &dyn Storage, business: &str, party: &str) -> Result<String> {
    let groups = counterparties(&store.history_counterparties(business)?);
    Ok(matched(&groups, party)
        .map(|(_, (e, _))| e.name.clone())
        .unwrap_or_else(|| party.to_string()))
}

/// The history of `party` in `ledger`'s books, or `None` when the history has no counterparty
/// of that name (or several as close).
pub fn recall(store: &dyn Storage, ledger: &Ledger, party: &str) -> Result<Option<History>> {
    let groups = counterparties(&ledger.counterparties);
    let Some((matched, (e, names))) = matched(&groups, party) else {
        return Ok(None);
    };
    let mut all = Vec::new();
    for n in names {
        all.extend(store.history_of(&ledger.business, n)?);
    }
    all.sort_by(|a, b| b.day.cmp(&a.day));
    let mut transactions: Vec<(&str, Option<&str>, Option<&str>)> = all
        .iter()
        .map(|p| (p.kind.as_str(), p.day.as_deref(), p.number.as_deref()))
        .collect();
    transactions.sort();
    transactions.dedup();
    let kinds = ranked(transactions.iter().map(|t| t.0.to_string()));
    let lines = all
        .iter()
        .filter(|p| {
            p.account
                .as_deref()
                .is_some_and(|a| !ledger.is_settlement(a))
        })
        .cloned()
        .collect();
    Ok(Some(History {
        name: e.name.clone(),
        matched,
        lines,
        kinds,
    }))
}

/// Values by how often they occur, most first (first seen first on a tie).
fn ranked(values: impl Iterator<Item = String>) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for v in values {
        match out.iter_mut().find(|(x, _)| *x == v) {
            Some(c) => c.1 += 1,
            None => out.push((v, 1)),
        }
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.1));
    out
}

/// The value ≥ [`DOMINANT`] of `values` share (blanks count against it), with its count.
fn dominant<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Option<(String, usize, usize)> {
    let all: Vec<Option<&str>> = values.collect();
    let r = ranked(all.iter().flatten().map(|s| s.to_string()));
    let (top, n) = r.first()?;
    (*n as f64 >= DOMINANT * all.len() as f64).then(|| (top.clone(), *n, all.len()))
}

/// A line text's significant words: letters, three or more characters.
fn tokens(s: &str) -> Vec<String> {
    words(s)
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && w.chars().any(|c| c.is_alphabetic()))
        .collect()
}

/// Whether two line texts say the same: the same significant words, half of them shared, or
/// nearly the same spelling.
pub fn similar(a: &str, b: &str) -> bool {
    let (ta, tb) = (tokens(a), tokens(b));
    if ta.is_empty() || tb.is_empty() {
        return false;
    }
    let common = ta.iter().filter(|w| tb.contains(w)).count();
    let union = ta.len() + tb.len() - common;
    ta == tb
        || common as f64 >= 0.5 * union as f64
        || strsim::jaro_winkler(&ta.join(" "), &tb.join(" ")) >= 0.92
}

/// The posted lines approved document `document` adds to its business's history: each line with
/// an account of `decision` (the approved decision, corrections applied) — but those a Stage 2.6
/// rule decided (equipment, prepayments, inventory: the rules decide them again; they say
/// nothing about the vendor) —, for `party` (the counterparty as the books name it), as a
/// transaction of type `kind`; the day, number and currency from `fields` (the approval's field
/// corrections) or `extracted`.
pub fn approved(
    document: i64,
    party: &str,
    kind: &str,
    decision: &Value,
    fields: &Value,
    extracted: &Value,
) -> Vec<Posted> {
    // A field the accountant cleared (`null` in `fields`) is not the extracted one.
    let field = |k: &str| {
        match fields.get(k) {
            Some(v) => v.as_str(),
            None => extracted[k].as_str(),
        }
        .map(str::to_string)
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    decision["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, l)| {
            !matches!(
                l["decided_by"].as_str(),
                Some("fixed_asset_rule" | "prepaid_rule" | "inventory_item")
            )
        })
        .filter_map(|(i, l)| {
            Some(Posted {
                key: format!("approval:{document}:{}", i + 1),
                counterparty: party.to_string(),
                kind: kind.to_string(),
                day: field("issue_date"),
                number: field("invoice_number"),
                account: Some(l["account"].as_str()?.to_string()),
                amount: crate::extract::money::decimal(&l["amount"]),
                currency: field("currency"),
                memo: text(&l["description"]),
                class: text(&decision["class"]),
                tax_code: text(&decision["tax_code"]),
            })
        })
        .collect()
}

impl History {
    /// The PRIMARY action among `candidates` (a decision-table row's) that ≥ [`DOMINANT`] of the
    /// counterparty's transactions of those actions used (`actions`: a transaction type → its
    /// action), with the evidence.
    pub fn primary(
        &self,
        candidates: &[String],
        actions: &BTreeMap<String, String>,
    ) -> Option<(String, String)> {
        let of = |kind: &str| actions.get(kind).filter(|a| candidates.contains(a));
        let used: Vec<Option<&str>> = self
            .kinds
            .iter()
            .filter_map(|(k, n)| of(k).map(|a| std::iter::repeat_n(Some(a.as_str()), *n)))
            .flatten()
            .collect();
        let (action, n, total) = dominant(used.into_iter())?;
        Some((
            action,
            format!("from {n} of {total} posted transactions of this vendor"),
        ))
    }

    /// The account of the posted lines whose text is like `description`, when ≥ [`DOMINANT`] of
    /// them went to one account.
    pub fn account_for(&self, description: &str) -> Option<Decided> {
        let like: Vec<&Posted> = self
            .lines
            .iter()
            .filter(|p| p.memo.as_deref().is_some_and(|m| similar(m, description)))
            .collect();
        let (account, n, total) = dominant(like.iter().map(|p| p.account.as_deref()))?;
        let text = like
            .iter()
            .find(|p| p.account.as_deref() == Some(account.as_str()))
            .and_then(|p| p.memo.clone())
            .unwrap_or_default();
        Some(self.decided(
            account,
            &like,
            format!("from {n} of {total} posted lines like \"{text}\" of this vendor"),
        ))
    }

    /// The account ≥ [`DOMINANT`] of all the counterparty's posted lines went to.
    pub fn dominant(&self) -> Option<Decided> {
        let (account, n, total) = dominant(self.lines.iter().map(|p| p.account.as_deref()))?;
        let all: Vec<&Posted> = self.lines.iter().collect();
        Some(self.decided(
            account,
            &all,
            format!("from {n} of {total} posted lines of this vendor"),
        ))
    }

    /// `account` with the class and tax code most of `lines` to it carry.
    fn decided(&self, account: String, lines: &[&Posted], evidence: String) -> Decided {
        let to: Vec<&&Posted> = lines
            .iter()
            .filter(|p| p.account.as_deref() == Some(account.as_str()))
            .collect();
        Decided {
            class: dominant(to.iter().map(|p| p.class.as_deref())).map(|d| d.0),
            tax_code: dominant(to.iter().map(|p| p.tax_code.as_deref())).map(|d| d.0),
            account,
            evidence,
        }
    }

    /// Each account the counterparty's lines went to, most used first (newest first on a tie).
    pub fn accounts(&self) -> Vec<AccountUse> {
        let mut out: Vec<AccountUse> = Vec::new();
        for (account, n) in ranked(self.lines.iter().filter_map(|p| p.account.clone())) {
            let to: Vec<&Posted> = self
                .lines
                .iter()
                .filter(|p| p.account.as_deref() == Some(account.as_str()))
                .collect();
            let mut amounts: Vec<Decimal> = to.iter().filter_map(|p| p.amount).collect();
            amounts.sort();
            out.push(AccountUse {
                lines: n,
                last: to.iter().filter_map(|p| p.day.clone()).max(),
                texts: ranked(to.iter().filter_map(|p| p.memo.clone()))
                    .into_iter()
                    .take(3)
                    .map(|t| t.0)
                    .collect(),
                typical_amount: amounts.get(amounts.len() / 2).copied(),
                class: dominant(to.iter().map(|p| p.class.as_deref())).map(|d| d.0),
                tax_code: dominant(to.iter().map(|p| p.tax_code.as_deref())).map(|d| d.0),
                account,
            });
        }
        out.sort_by(|a, b| b.lines.cmp(&a.lines).then(b.last.cmp(&a.last)));
        out
    }

    /// The history as the result shows it (`result.history`).
    pub fn summary(&self) -> Value {
        let transactions: usize = self.kinds.iter().map(|k| k.1).sum();
        json!({
            "counterparty": self.name,
            "match": self.matched,
            "transactions": transactions,
            "by_type": self.kinds.iter().map(|(k, n)| json!({"type": k, "count": n})).collect::<Vec<_>>(),
            "posted_lines": self.lines.len(),
            "accounts": self.accounts().into_iter().take(5).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(account: &str, memo: &str, day: &str) -> Posted {
        Posted {
            key: String::new(),
            counterparty: "Staples".into(),
            kind: "bill".into(),
            day: Some(day.into()),
            number: None,
            account: Some(account.into()),
            amount: Some(Decimal::TEN),
            currency: None,
            memo: Some(memo.into()),
            class: Some("Store".into()),
            tax_code: None,
        }
    }

    #[test]
    fn same_text_then_the_dominant_account_with_evidence() {
        let mut lines: Vec<Posted> = (0..13)
            .map(|i| {
                line(
                    "Office Supplies",
                    "Printer paper, 10 reams",
                    &format!("2024-01-{:02}", i + 1),
                )
            })
            .collect();
        lines.push(line("Office Supplies", "Toner cartridges", "2024-02-01"));
        lines.push(line("Repairs", "Printer repair visit", "2024-02-02"));
        let h = History {
            name: "Staples".into(),
            matched: "exact",
            lines,
            kinds: vec![("bill".into(), 12), ("expense".into(), 1)],
        };
        let d = h.account_for("Printer repair visit (2 h)").unwrap();
        assert_eq!(d.account, "Repairs");
        let d = h.dominant().unwrap();
        assert_eq!(d.account, "Office Supplies");
        assert_eq!(d.evidence, "from 14 of 15 posted lines of this vendor");
        assert_eq!(d.class.as_deref(), Some("Store"));
        assert!(h.account_for("Shelf labels").is_none());
        assert!(similar("Printer paper, 10 reams", "Printer paper 5 reams"));
        assert!(!similar("Printer paper", "Printer repair visit"));
        let actions: BTreeMap<String, String> =
            [("bill", "createBill"), ("expense", "recordExpense")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into();
        let cands = vec!["recordExpense".to_string(), "createBill".to_string()];
        let (a, why) = h.primary(&cands, &actions).unwrap();
        assert_eq!(
            (a.as_str(), why.as_str()),
            (
                "createBill",
                "from 12 of 13 posted transactions of this vendor"
            )
        );
        assert!(h
            .primary(&["createVendorCredit".to_string()], &actions)
            .is_none());
        let names = [
            ("Lidl", "expense"),
            ("LIDL", "expense"),
            ("Aldi", "expense"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()));
        let groups = counterparties(&names);
        assert_eq!(groups.len(), 2, "Lidl and LIDL are one counterparty");
        let (how, (e, all)) = matched(&groups, "LiDL").unwrap();
        assert_eq!((how, e.name.as_str(), all.len()), ("normalized", "Lidl", 2));
        let a = &h.accounts()[0];
        assert_eq!(
            (a.account.as_str(), a.lines, a.last.as_deref()),
            ("Office Supplies", 14, Some("2024-02-01"))
        );
    }
}
