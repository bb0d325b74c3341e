//! Stage 2.6: sales tax **collected** vs **paid** — where the tax printed on a document posts.
//!
//! - A sale (the business issued the document, `outgoing`): the tax was *collected* for the tax
//!   authority — a liability, the chart's `sales_tax_account` (QuickBooks' "Sales Tax Payable",
//!   a VAT/GST control account elsewhere).
//! - A purchase (`incoming`): the tax was *paid*. Where the business can reclaim it (input VAT /
//!   GST credit: a registered business in a VAT or GST country) it goes to the same tax account,
//!   reducing what is owed. Where it cannot (US state and local sales tax; a business not
//!   registered for VAT), it is part of the cost and posts to the account of the purchase's
//!   largest line.
//!
//! Which regime applies comes from data: `schema/rules/defaults.toml` `[sales_tax]` (countries and,
//! where a profile names no country, home currencies whose purchase tax is a cost), overridden by
//! the profile's `purchase_tax_recoverable`. The lines stay as printed (net) either way; the
//! treatment is stored beside the mapping and the ready-to-post body follows it
//! ([`super::payload`]).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::extract::money;

use super::chart::Chart;
use super::lines::Lines;
use super::profile::BusinessProfile;
use super::rules::defaults;

/// How a document's tax posts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Treatment {
    /// `sales_tax_collected` or `sales_tax_paid`.
    pub rule: &'static str,
    /// The tax goes to the tax account (collected, or paid and reclaimable); `false`: it is part
    /// of the purchase's cost.
    pub recoverable: bool,
    /// The tax amount as printed (document currency).
    #[serde(serialize_with = "money::serialize")]
    pub amount: Decimal,
    /// The account it posts to (a name of the chart).
    pub account: String,
    /// Why, in words.
    pub why: String,
}

/// Whether tax paid on purchases is reclaimable for `profile`, and why.
pub fn purchase_tax_recoverable(profile: &BusinessProfile) -> (bool, String) {
    if let Some(r) = profile.purchase_tax_recoverable {
        return (r, "the business profile says so".into());
    }
    let d = &defaults().sales_tax;
    let upper = |s: &Option<String>| s.as_deref().map(|c| c.trim().to_ascii_uppercase());
    let cost_regime = match (upper(&profile.country), upper(&profile.currency)) {
        (Some(c), _) => d.cost_countries.contains(&c).then(|| format!("in {c}")),
        (None, Some(cur)) => d
            .cost_currencies
            .contains(&cur)
            .then(|| format!("for a {cur} business")),
        (None, None) => None,
    };
    if let Some(r) = cost_regime {
        return (
            false,
            format!("{r}, sales tax on purchases is not reclaimed"),
        );
    }
    if profile.collects_sales_tax == Some(false) {
        return (
            false,
            "the business is not registered to collect tax, so it cannot reclaim it".into(),
        );
    }
    (true, "input tax is reclaimed".into())
}

/// The treatment of `tax` on a document in `direction` (`incoming` | `outgoing`) whose `lines`
/// carry their accounts. `None` for no tax, or when the chart has no account for it.
pub fn treat(
    profile: &BusinessProfile,
    chart: &Chart,
    direction: &str,
    tax: Decimal,
    lines: &Lines,
) -> Option<Treatment> {
    if tax.is_zero() {
        return None;
    }
    let tax_account = chart.role("sales_tax_account").map(|a| a.name.clone());
    if direction == "outgoing" {
        return Some(Treatment {
            rule: "sales_tax_collected",
            recoverable: true,
            amount: tax,
            account: tax_account?,
            why: "collected on a sale: owed to the tax authority".into(),
        });
    }
    let (recoverable, why) = purchase_tax_recoverable(profile);
    let account = if recoverable {
        tax_account?
    } else {
        lines
            .lines
            .iter()
            .filter(|l| l.account.is_some())
            .max_by_key(|l| l.amount.abs())
            .and_then(|l| l.account.as_ref().map(|a| a.name.clone()))
            .or_else(|| chart.role("expense_account").map(|a| a.name.clone()))?
    };
    Some(Treatment {
        rule: "sales_tax_paid",
        recoverable,
        amount: tax,
        account,
        why: if recoverable {
            format!("paid on a purchase, {why}")
        } else {
            format!("paid on a purchase, {why}: part of the cost")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::money::dec;
    use crate::pipeline::lines::{AccountChoice, Line};

    fn lines() -> Lines {
        let line = |d: &str, amount: f64, account: &str| Line {
            amount: dec(amount),
            description: d.into(),
            quantity: None,
            rate: None,
            details: String::new(),
            account: Some(AccountChoice {
                name: account.into(),
                method: "keyword".into(),
                confidence: 90,
                evidence: None,
            }),
            class: None,
            tax_code: None,
            item: None,
        };
        Lines {
            lines: vec![
                line("Paper", 20.0, "Office Supplies & Software"),
                line("Drill", 180.0, "Supplies & Materials"),
            ],
            net: true,
            itemised: true,
        }
    }

    fn profile(country: Option<&str>, currency: Option<&str>) -> BusinessProfile {
        let mut p = BusinessProfile::named("Acme");
        p.country = country.map(str::to_string);
        p.currency = currency.map(str::to_string);
        p
    }

    #[test]
    fn collected_on_sales_paid_on_purchases_as_a_cost_or_reclaimed() {
        let chart = Chart::for_business(&BusinessProfile::named("Acme")).unwrap();
        let us = profile(Some("us"), None);
        let sale = treat(&us, &chart, "outgoing", dec(8.25), &lines()).unwrap();
        assert_eq!(sale.rule, "sales_tax_collected");
        assert_eq!(sale.account, "Sales Tax Payable");
        let bought = treat(&us, &chart, "incoming", dec(16.5), &lines()).unwrap();
        assert_eq!(bought.rule, "sales_tax_paid");
        assert!(!bought.recoverable, "{}", bought.why);
        assert_eq!(
            bought.account, "Supplies & Materials",
            "the largest line's account"
        );
        let de = treat(
            &profile(Some("DE"), Some("EUR")),
            &chart,
            "incoming",
            dec(38.0),
            &lines(),
        );
        let de = de.unwrap();
        assert!(de.recoverable);
        assert_eq!(de.account, "Sales Tax Payable");
        // No country: the home currency decides; a profile's own word beats both.
        assert!(!purchase_tax_recoverable(&profile(None, Some("USD"))).0);
        let mut unregistered = profile(Some("FR"), None);
        unregistered.collects_sales_tax = Some(false);
        assert!(!purchase_tax_recoverable(&unregistered).0);
        let mut said = profile(Some("US"), None);
        said.purchase_tax_recoverable = Some(true);
        assert!(purchase_tax_recoverable(&said).0);
        assert!(treat(&us, &chart, "incoming", dec(0.0), &lines()).is_none());
    }
}
