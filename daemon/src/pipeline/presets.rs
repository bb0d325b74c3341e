//! What is decided about a document's lines before the chart's keywords or the model are asked,
//! in this order (the first that applies decides a line's account):
//!
//! 1. the business's **rules file** (an account for a vendor, or for lines naming words);
//! 2. **vendor memory** of the same line (the account the accountant approved for a line with
//!    this description from this counterparty; lines read from an item table);
//! 3. the **fixed-asset** rule: equipment at or above the threshold → the fixed-asset account;
//! 4. the **prepaid** rule: a period paid ahead at or above the threshold → the prepaid account;
//! 5. **inventory items**: for a business that tracks inventory, a line naming an imported
//!    inventory item posts that item (its asset account), not an expense;
//! 6. the **transaction history** of the same or a similar line text ([`super::history`]: the
//!    account ≥ 80 % of the vendor's posted lines like it went to; lines read from an item
//!    table);
//! 7. **vendor memory** of the counterparty's other lines (the account most of its last approved
//!    document's lines went to), where the history agrees or holds no line of the vendor;
//! 8. the **transaction history**'s dominant account (≥ 80 % of the vendor's posted lines).
//!
//! Classes and tax codes come from the rules file, memory or the history. Rules that fire are named
//! ([`Fired`]); a rule with `review = true` or over its `amount_over` sends the document to
//! review.

use super::books::Ledger;
use super::chart::Chart;
use super::direction::same_name;
use super::history::{Decided, History};
use super::lines::{AccountChoice, Line};
use super::memory;
use super::profile::BusinessProfile;
use super::rules::{self, defaults, Fired, Rule};
use crate::extract::read::fold::{fold, has_words};
use crate::store::books::{BookList, Memory};

/// What the presets read.
pub struct Presets<'a> {
    pub profile: &'a BusinessProfile,
    pub rules: &'a [Rule],
    pub memory: Option<&'a Memory>,
    /// The counterparty's transaction history.
    pub history: Option<&'a History>,
    /// The lines were read from an item table: their texts say what was bought (one line made
    /// for the whole document says nothing a line of another document could share).
    pub itemised: bool,
    pub ledger: &'a Ledger,
    pub counterparty: &'a str,
    /// The document's total (amount rules).
    pub total: Option<rust_decimal::Decimal>,
}

fn choice(name: &str, method: &str, confidence: i64) -> AccountChoice {
    AccountChoice {
        name: name.to_string(),
        method: method.into(),
        confidence,
        evidence: None,
    }
}

impl Presets<'_> {
    /// The rules of the rules file that apply to this document, with their index.
    fn document_rules(&self) -> impl Iterator<Item = (usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.applies_to_document(self.counterparty, self.total))
    }

    /// Reasons to review the document from the rules file (`review = true` rules that apply).
    pub fn reviews(&self, fired: &mut Vec<Fired>) -> Vec<String> {
        let mut out = Vec::new();
        for (i, r) in self.document_rules().filter(|(_, r)| r.review) {
            let why = match r.amount_over {
                Some(a) => format!("the total is over {a:.2}"),
                None => "always reviewed".to_string(),
            };
            fired.push(Fired {
                rule: r.label(i),
                effect: format!("review: {why}"),
            });
            out.push(format!("business rule \"{}\": {why}", r.label(i)));
        }
        out
    }

    /// Decide `line`'s account, class and tax code where a preset applies (in place); `text` is
    /// the line's description, details and counterparty. Whether its account was decided.
    pub fn apply(
        &self,
        chart: &Chart,
        line: &mut Line,
        text: &str,
        fired: &mut Vec<Fired>,
    ) -> bool {
        self.rules_file(line, fired);
        if line.account.is_some() {
            return true;
        }
        if let Some(m) = self.memory.filter(|_| self.itemised) {
            if let Some(a) = memory::account_for(m, &line.description) {
                self.remembered(m, line, &a, fired);
                return true;
            }
        }
        if self.stage_2_6(chart, line, text, fired) {
            return true;
        }
        let like = self.history.filter(|_| self.itemised);
        if let Some(d) = like.and_then(|h| h.account_for(&line.description)) {
            self.posted(line, d, 92, fired);
            return true;
        }
        let dominant = self.history.and_then(History::dominant);
        if let Some(m) = self.memory {
            // The last approval's account, where the vendor's history (which holds every
            // approval) agrees or has nothing to say — never against it, nor for a vendor whose
            // lines go to several accounts.
            let agrees = |a: &String| match (&dominant, self.history) {
                (Some(d), _) => d.account == *a,
                (None, Some(h)) => h.lines.is_empty(),
                (None, None) => true,
            };
            if let Some(a) = memory::default_account(m).filter(agrees) {
                self.remembered(m, line, &a, fired);
                return true;
            }
        }
        if let Some(d) = dominant {
            self.posted(line, d, 90, fired);
            return true;
        }
        false
    }

    /// `line` decided by the transaction history.
    fn posted(&self, line: &mut Line, d: Decided, confidence: i64, fired: &mut Vec<Fired>) {
        let mut c = choice(&d.account, "history", confidence);
        c.evidence = Some(d.evidence.clone());
        line.account = Some(c);
        line.class = line.class.clone().or(d.class);
        line.tax_code = line.tax_code.clone().or(d.tax_code);
        fired.push(Fired {
            rule: "transaction history".into(),
            effect: format!("{}: account {} {}", line.description, d.account, d.evidence),
        });
    }

    /// The rules file's account, class and tax code for `line`.
    fn rules_file(&self, line: &mut Line, fired: &mut Vec<Fired>) {
        for (i, r) in self
            .document_rules()
            .filter(|(_, r)| r.applies_to_line(&line.description))
        {
            let mut did = Vec::new();
            if let Some(c) = &r.class {
                line.class = Some(c.clone());
                did.push(format!("class {c}"));
            }
            if let Some(t) = &r.tax_code {
                line.tax_code = Some(t.clone());
                did.push(format!("tax code {t}"));
            }
            if let (Some(a), None) = (&r.account, &line.account) {
                line.account = Some(choice(a, "business_rule", 95));
                did.push(format!("account {a}"));
            }
            if !did.is_empty() {
                fired.push(Fired {
                    rule: r.label(i),
                    effect: format!("{}: {}", line.description, did.join(", ")),
                });
            }
        }
    }

    /// The fixed-asset, prepaid and inventory-item rules.
    fn stage_2_6(
        &self,
        chart: &Chart,
        line: &mut Line,
        text: &str,
        fired: &mut Vec<Fired>,
    ) -> bool {
        let d = defaults();
        let fixed = self
            .profile
            .fixed_asset_threshold
            .unwrap_or(d.fixed_asset_threshold);
        if line.amount >= fixed && is_equipment(chart, text) {
            if let Some(a) = chart.role("fixed_asset_account") {
                line.account = Some(choice(&a.name, "fixed_asset_rule", 85));
                fired.push(Fired {
                    rule: "fixed-asset threshold".into(),
                    effect: format!(
                        "{}: {:.2} ≥ {fixed:.2}, capitalised to {}",
                        line.description, line.amount, a.name
                    ),
                });
                return true;
            }
        }
        let prepaid = self
            .profile
            .prepaid_threshold
            .unwrap_or(d.prepaid_threshold);
        if line.amount >= prepaid && rules::is_prepaid(text) {
            if let Some(a) = chart.role("prepaid_account") {
                line.account = Some(choice(&a.name, "prepaid_rule", 80));
                fired.push(Fired { rule: "prepaid threshold".into(), effect: format!("{}: {:.2} ≥ {prepaid:.2} paid ahead, booked to {} (expense it over the period)", line.description, line.amount, a.name) });
                return true;
            }
        }
        if self.profile.has_inventory == Some(true) {
            let item = self
                .ledger
                .list(BookList::Items)
                .filter(|e| e.active)
                .find(|e| {
                    e.kind
                        .as_deref()
                        .is_some_and(|k| fold(k).contains("inventory"))
                        && same_name(&e.name, &line.description)
                });
            if let (Some(item), Some(a)) = (item, chart.role("inventory_asset_account")) {
                line.item = Some(item.name.clone());
                line.account = Some(choice(&a.name, "inventory_item", 90));
                fired.push(Fired {
                    rule: "inventory item".into(),
                    effect: format!(
                        "{}: item {} (an item line, not an expense)",
                        line.description, item.name
                    ),
                });
                return true;
            }
        }
        false
    }

    fn remembered(&self, m: &Memory, line: &mut Line, account: &str, fired: &mut Vec<Fired>) {
        line.account = Some(choice(account, "memory", 92));
        let d = &m.decision;
        line.class = line
            .class
            .clone()
            .or_else(|| d["class"].as_str().map(str::to_string));
        line.tax_code = line
            .tax_code
            .clone()
            .or_else(|| d["tax_code"].as_str().map(str::to_string));
        fired.push(Fired {
            rule: "vendor memory".into(),
            effect: format!(
                "{}: account {account} {}",
                line.description,
                memory::provenance(m)
            ),
        });
    }
}

/// Words of equipment bought as a fixed asset (the fixed-asset account's keywords).
pub fn is_equipment(chart: &Chart, text: &str) -> bool {
    let f = fold(text);
    chart
        .role("fixed_asset_account")
        .is_some_and(|a| a.keywords.iter().any(|k| has_words(&f, k)))
}
