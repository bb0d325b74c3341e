//! Stage 2.6: business rules as code driven by data — the business's own rules file (TOML, the
//! profile's `rules_file`; example `schema/profiles/taylors-store.rules.toml`) and the defaults
//! every business gets (`schema/rules/defaults.toml`: the fixed-asset and prepaid thresholds and
//! the words of a period paid ahead). Rules are applied before any model call; each rule that
//! fires is named in the result's `rules_fired`.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::extract::money;

use super::direction::same_name;
use crate::extract::read::fold::{fold, has_words};

/// `schema/rules/defaults.toml`.
const DEFAULTS: &str = include_str!("../../../schema/rules/defaults.toml");

/// The defaults of Stage 2.6.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub fixed_asset_threshold: Decimal,
    pub prepaid_threshold: Decimal,
    pub prepaid_words: Vec<String>,
    pub sales_tax: SalesTaxDefaults,
}

/// Where tax paid on purchases is a cost rather than reclaimed ([`super::sales_tax`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesTaxDefaults {
    /// ISO 3166-1 alpha-2 codes, upper case.
    pub cost_countries: Vec<String>,
    /// ISO 4217 home currencies that decide when a profile names no country.
    pub cost_currencies: Vec<String>,
}

/// The defaults (parsed once).
pub fn defaults() -> &'static Defaults {
    static D: OnceLock<Defaults> = OnceLock::new();
    D.get_or_init(|| toml::from_str(DEFAULTS).expect("schema/rules/defaults.toml parses"))
}

/// One rule of a business's rules file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub description_contains: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub tax_code: Option<String>,
    #[serde(default, serialize_with = "money::serialize_opt")]
    pub amount_over: Option<Decimal>,
    #[serde(default)]
    pub review: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<Rule>,
}

/// Load a rules file.
///
/// Errors: unreadable, not TOML, an unknown key, or a rule that neither sets an account, class
/// or tax code nor asks for review — each naming the file (and the rule's number).
pub fn load(path: &Path) -> Result<Vec<Rule>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading rules file {}", path.display()))?;
    let f: File =
        toml::from_str(&text).with_context(|| format!("parsing rules file {}", path.display()))?;
    for (i, r) in f.rule.iter().enumerate() {
        if r.account.is_none() && r.class.is_none() && r.tax_code.is_none() && !r.review {
            bail!(
                "{}: rule {} ({}) has no effect: set account, class, tax_code or review = true",
                path.display(),
                i + 1,
                r.label(i)
            );
        }
    }
    Ok(f.rule)
}

/// A rule that fired: its name and what it did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fired {
    pub rule: String,
    pub effect: String,
}

impl Rule {
    /// The rule's name, or a description of what it matches.
    pub fn label(&self, i: usize) -> String {
        self.name.clone().unwrap_or_else(|| {
            let mut s = Vec::new();
            if let Some(v) = &self.vendor {
                s.push(format!("vendor {v}"));
            }
            if let Some(d) = &self.description_contains {
                s.push(format!("lines with {d:?}"));
            }
            if let Some(a) = self.amount_over {
                s.push(format!("over {a:.2}"));
            }
            if s.is_empty() {
                format!("rule {}", i + 1)
            } else {
                s.join(", ")
            }
        })
    }

    /// Whether the rule applies to a document from `counterparty` totalling `total`.
    pub fn applies_to_document(&self, counterparty: &str, total: Option<Decimal>) -> bool {
        self.vendor
            .as_deref()
            .is_none_or(|v| same_name(v, counterparty))
            && self
                .amount_over
                .is_none_or(|a| total.is_some_and(|t| t > a))
    }

    /// Whether the rule applies to a line with `description` (document conditions apart).
    pub fn applies_to_line(&self, description: &str) -> bool {
        self.description_contains
            .as_deref()
            .is_none_or(|d| has_words(&fold(description), &fold(d)))
    }
}

/// Whether `text` says it pays for a period ahead (the defaults' words).
pub fn is_prepaid(text: &str) -> bool {
    let f = fold(text);
    defaults()
        .prepaid_words
        .iter()
        .any(|w| has_words(&f, &fold(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_rules_load_and_match() {
        let p = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schema/profiles/taylors-store.rules.toml"
        ));
        let rules = load(p).unwrap();
        assert_eq!(rules.len(), 2);
        assert!(rules[0].applies_to_document(
            "BLUE RIDGE POWER AND LIGHT",
            Some(crate::extract::money::dec(80.0))
        ));
        assert!(!rules[0].applies_to_document("Staples", Some(crate::extract::money::dec(80.0))));
        assert!(rules[1].applies_to_document("anyone", Some(crate::extract::money::dec(12_000.0))));
        assert!(!rules[1].applies_to_document("anyone", Some(crate::extract::money::dec(9_000.0))));
        assert_eq!(defaults().fixed_asset_threshold, Decimal::from(2500));
        assert!(is_prepaid("General liability insurance — annual premium"));
        assert!(!is_prepaid("Printer toner"));
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("r.toml");
        std::fs::write(&bad, "[[rule]]\nvendor = \"X\"\n").unwrap();
        assert!(load(&bad)
            .unwrap_err()
            .to_string()
            .contains("has no effect"));
        std::fs::write(&bad, "[[rule]]\nvendr = \"X\"\n").unwrap();
        assert!(load(&bad).is_err());
    }
}
