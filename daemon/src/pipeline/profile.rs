//! The business profile: who the documents are classified for. Read from a TOML or JSON file
//! (`schema/profiles/*.toml` are examples); only `name` is required.

use std::path::Path;

use anyhow::{bail, Context, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::extract::money;

/// A business as the accountant describes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BusinessProfile {
    pub name: String,
    #[serde(default)]
    pub sector: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
    /// The business's tax id (VAT number, EIN, GSTIN …), matched against the parties.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// ISO 4217 home currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Accounting software whose action registry is used; only `quickbooks` ships today.
    #[serde(default = "default_software")]
    pub accounting_software: String,
    /// `accrual` or `cash`.
    #[serde(default)]
    pub accounting_method: Option<String>,
    #[serde(default)]
    pub has_inventory: Option<bool>,
    #[serde(default)]
    pub collects_sales_tax: Option<bool>,
    /// Whether tax paid on purchases is reclaimed (input VAT/GST) rather than part of the cost;
    /// default from the country (`schema/rules/defaults.toml` `[sales_tax]`, see
    /// [`super::sales_tax`]).
    #[serde(default)]
    pub purchase_tax_recoverable: Option<bool>,
    /// Purchases of equipment at or above this amount (home currency) are capitalised as fixed
    /// assets (default: `schema/rules/defaults.toml`).
    #[serde(default, serialize_with = "money::serialize_opt")]
    pub fixed_asset_threshold: Option<Decimal>,
    /// Payments for a period ahead at or above this amount are booked as prepaid expenses
    /// (default: `schema/rules/defaults.toml`).
    #[serde(default, serialize_with = "money::serialize_opt")]
    pub prepaid_threshold: Option<Decimal>,
    /// Names of accounts in the chart of accounts, if known.
    #[serde(default)]
    pub chart_of_accounts: Vec<String>,
    /// Vendors already in the books (names as the books spell them); a counterparty not among
    /// them gets a createVendor PREREQUISITE.
    #[serde(default)]
    pub vendors: Vec<String>,
    /// Customers already in the books.
    #[serde(default)]
    pub customers: Vec<String>,
    /// Products and services already in the books; when the list is given, a sales line whose
    /// item is not in it gets a createItem PREREQUISITE.
    #[serde(default)]
    pub items: Vec<String>,
    /// Free-text notes for the bookkeeper.
    #[serde(default)]
    pub notes: Option<String>,
    /// The business's rules file (Stage 2.6, TOML; see [`super::rules`]); a relative path is
    /// resolved against the profile's folder when the profile is loaded.
    #[serde(default)]
    pub rules_file: Option<std::path::PathBuf>,
}

fn default_software() -> String {
    "quickbooks".into()
}

impl BusinessProfile {
    /// A profile that knows only the business's name.
    pub fn named(name: impl Into<String>) -> BusinessProfile {
        BusinessProfile {
            name: name.into(),
            sector: None,
            country: None,
            tax_id: None,
            currency: None,
            accounting_software: default_software(),
            accounting_method: None,
            has_inventory: None,
            collects_sales_tax: None,
            purchase_tax_recoverable: None,
            fixed_asset_threshold: None,
            prepaid_threshold: None,
            chart_of_accounts: Vec::new(),
            vendors: Vec::new(),
            customers: Vec::new(),
            items: Vec::new(),
            notes: None,
            rules_file: None,
        }
    }

    /// The profile the configuration names (`business_profile`, flag `--business`).
    ///
    /// Errors: none configured, or the file cannot be read.
    pub fn from_config(cfg: &crate::config::Config) -> Result<BusinessProfile> {
        let path = cfg.business_profile.as_ref().context(
            "no business profile: pass --business FILE (TOML or JSON, see schema/profiles/) or set business_profile in the config",
        )?;
        BusinessProfile::load(path)
    }

    /// Load a `.toml` or `.json` profile.
    pub fn load(path: &Path) -> Result<BusinessProfile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading business profile {}", path.display()))?;
        let p: BusinessProfile = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        } else {
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        };
        if p.name.trim().is_empty() {
            bail!("the business profile {} has an empty name", path.display());
        }
        let mut p = p;
        if let (Some(f), Some(dir)) = (&p.rules_file, path.parent()) {
            if f.is_relative() {
                p.rules_file = Some(dir.join(f));
            }
        }
        Ok(p)
    }

    /// The profile as prompt lines ("key: value"), unknown keys left out.
    pub fn to_prompt_text(&self) -> String {
        let mut s = format!("- name: {}\n", self.name);
        let mut line = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                s.push_str(&format!("- {k}: {v}\n"));
            }
        };
        line("sector", self.sector.clone());
        line("country", self.country.clone());
        line("home currency", self.currency.clone());
        line(
            "accounting software",
            Some(self.accounting_software.clone()),
        );
        line("accounting method", self.accounting_method.clone());
        line(
            "tracks inventory",
            self.has_inventory
                .map(|b| if b { "yes" } else { "no" }.into()),
        );
        line(
            "collects sales tax",
            self.collects_sales_tax
                .map(|b| if b { "yes" } else { "no" }.into()),
        );
        line(
            "fixed-asset threshold",
            self.fixed_asset_threshold.map(|v| format!("{v:.2}")),
        );
        line(
            "prepaid threshold",
            self.prepaid_threshold.map(|v| format!("{v:.2}")),
        );
        if !self.chart_of_accounts.is_empty() {
            line("chart of accounts", Some(self.chart_of_accounts.join(", ")));
        }
        line("notes", self.notes.clone());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_profile_loads() {
        let p = BusinessProfile::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schema/profiles/taylors-store.toml"
        )))
        .unwrap();
        assert_eq!(p.name, "Taylor's Store");
        assert_eq!(p.has_inventory, Some(true));
        assert!(p.to_prompt_text().contains("- tracks inventory: yes"));
    }
}
