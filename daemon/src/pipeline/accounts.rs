//! The account each purchase line goes to (the lines themselves: [`super::lines`]).
//!
//! Purchase lines go to an expense account of the business's chart ([`super::chart`], or the
//! chart imported with its books), decided in this order:
//! 1. **presets** ([`super::presets`]): the business's rules file, vendor memory, and the
//!    Stage 2.6 rules (fixed asset, prepaid, inventory items);
//! 2. **keywords**: the chart's keywords found in the line's description and the counterparty's
//!    name; one account ahead of the others decides (confidence 80);
//! 3. **judgment**: otherwise the model chooses among the tied accounts (or all expense
//!    accounts when no keyword matched) by scoring them ([`super::judge`]); confidence from its
//!    margin, at most 75.
//!
//! Sales lines name an item by their description (QuickBooks sales forms post items, whose
//! income account is the item's).

use std::collections::BTreeMap;

use super::chart::{Account, Chart, Side};
use super::judge::{self, Question};
use super::llm_json::StageMetrics;
use super::presets::Presets;
use super::profile::BusinessProfile;
use super::prompts::Prompts;
use super::rules::Fired;
use crate::llm::EngineHandle;
use anyhow::Result;

pub use super::lines::{read_lines, AccountChoice, Line, Lines};

/// What deciding line accounts needs.
pub struct AccountsInput<'a> {
    pub profile: &'a BusinessProfile,
    pub chart: &'a Chart,
    pub counterparty: &'a str,
    /// The document's currency, for the judgment's context.
    pub currency: &'a str,
}

fn keyword_choice(options: &[&Account], text: &str) -> Option<AccountChoice> {
    let ranked = Chart::ranked(options, text);
    match ranked.as_slice() {
        [(a, _)] => Some(AccountChoice {
            name: a.name.clone(),
            method: "keywords".into(),
            confidence: 80,
        }),
        [(a, n), (_, m), ..] if n > m => Some(AccountChoice {
            name: a.name.clone(),
            method: "keywords".into(),
            confidence: 80,
        }),
        _ => None,
    }
}

/// Decide the account of every purchase line of `lines` (in place): the presets first (rules
/// file, vendor memory, fixed-asset, prepaid, inventory items), then keywords, then the model.
/// The rules that fired.
pub fn decide(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &AccountsInput<'_>,
    presets: &Presets<'_>,
    lines: &mut Lines,
    metrics: &mut Vec<StageMetrics>,
) -> Result<Vec<Fired>> {
    let mut fired = Vec::new();
    let options = input.chart.for_lines(Side::Expense);
    let mut decided: BTreeMap<String, AccountChoice> = BTreeMap::new();
    for line in &mut lines.lines {
        let text = format!(
            "{} {} {}",
            line.description, line.details, input.counterparty
        );
        if presets.apply(input.chart, line, &text, &mut fired) {
            continue;
        }
        if let Some(c) = decided.get(&line.description) {
            line.account = Some(c.clone());
            continue;
        }
        let choice = if let Some(c) = keyword_choice(&options, &text) {
            c
        } else {
            judged(engine, prompts, input, &options, line, metrics)?
        };
        decided.insert(line.description.clone(), choice.clone());
        line.account = Some(choice);
    }
    Ok(fired)
}

/// The model's choice among the tied accounts, or all of them.
fn judged(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &AccountsInput<'_>,
    options: &[&Account],
    line: &Line,
    metrics: &mut Vec<StageMetrics>,
) -> Result<AccountChoice> {
    let text = format!(
        "{} {} {}",
        line.description, line.details, input.counterparty
    );
    let ranked = Chart::ranked(options, &text);
    let top = ranked.first().map(|r| r.1).unwrap_or(0);
    let names: Vec<String> = if top > 0 {
        ranked
            .iter()
            .filter(|r| r.1 == top)
            .map(|r| r.0.name.clone())
            .collect()
    } else {
        options.iter().map(|a| a.name.clone()).collect()
    };
    let c = judge::choose(
        engine,
        prompts,
        Question {
            stage: "judge:line_account".into(),
            business: &input.profile.name,
            context: format!(
                "A purchase from {}: \"{}\"{}, {:.2} {}.",
                input.counterparty,
                line.description,
                if line.details.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", line.details)
                },
                line.amount,
                input.currency
            ),
            question: "Which expense account of the chart of accounts does this purchase go to?",
            options: names,
        },
        metrics,
    )?;
    Ok(AccountChoice {
        name: c.option.clone(),
        method: "model".into(),
        confidence: c.confidence().min(75),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_decide_when_one_account_leads() {
        let c = Chart::for_business(&BusinessProfile::named("x")).unwrap();
        let opts = c.for_lines(Side::Expense);
        assert_eq!(
            keyword_choice(&opts, "Hotel room 2 nights").unwrap().name,
            "Travel"
        );
        assert_eq!(
            keyword_choice(&opts, "Printer toner cartridges Office Depot")
                .unwrap()
                .name,
            "Office Supplies & Software"
        );
        assert!(super::super::presets::is_equipment(&c, "Dell server R750"));
    }
}
