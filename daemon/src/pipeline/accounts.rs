//! The account each purchase line goes to (the lines themselves: [`super::lines`]).
//!
//! Purchase lines go to an expense account of the business's chart ([`super::chart`], or the
//! chart imported with its books), decided in this order:
//! 1. **presets** ([`super::presets`]): the business's rules file, vendor memory, and the
//!    Stage 2.6 rules (fixed asset, prepaid, inventory items);
//! 2. **keywords**: the chart's keywords found in the line's own text (a phrase scores its number
//!    of words); the counterparty's name only breaks a tie, or decides when the line names
//!    nothing; one account ahead of the others decides (confidence 80);
//! 3. **judgment**: otherwise the model chooses among the tied accounts (or all expense
//!    accounts when no keyword matched), each shown with its description, by scoring them
//!    ([`super::judge`], [`line_question`]); confidence from its margin, at most 75. A chart with
//!    no expense account to choose from leaves the line without an account (the result says so
//!    and goes to review), never a failed document.
//!
//! Sales lines name an item by their description (QuickBooks sales forms post items, whose
//! income account is the item's).

use std::collections::BTreeMap;

use super::chart::{Account, Chart, Side};
use super::judge::{self, Question};
use super::metrics::StageMetrics;
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

/// The accounts the keywords point to for a line: those with the best score in the line's own
/// text (description and details) — ties broken by the counterparty's name —, or, when the line
/// names nothing, the best in the counterparty's name (a hosting company's lines are not all
/// hosting). Empty when nothing matches.
fn keyword_leaders<'a>(
    options: &[&'a Account],
    line_text: &str,
    counterparty: &str,
) -> Vec<&'a Account> {
    let leaders = |ranked: Vec<(&'a Account, usize)>| -> Vec<&'a Account> {
        let top = ranked.first().map(|r| r.1).unwrap_or(0);
        ranked
            .into_iter()
            .filter(|r| r.1 == top && top > 0)
            .map(|r| r.0)
            .collect()
    };
    let by_line = leaders(Chart::ranked(options, line_text));
    match by_line.len() {
        0 => leaders(Chart::ranked(options, counterparty)),
        1 => by_line,
        _ => {
            let by_party = leaders(Chart::ranked(&by_line, counterparty));
            if by_party.len() == 1 {
                by_party
            } else {
                by_line
            }
        }
    }
}

/// The text of a line the keywords are looked for in: its description and details.
fn line_text(line: &Line) -> String {
    format!("{} {}", line.description, line.details)
}

fn keyword_choice(
    options: &[&Account],
    line_text: &str,
    counterparty: &str,
) -> Option<AccountChoice> {
    match keyword_leaders(options, line_text, counterparty).as_slice() {
        [a] => Some(AccountChoice {
            name: a.name.clone(),
            method: "keywords".into(),
            confidence: 80,
            evidence: None,
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
        let choice = if let Some(c) = keyword_choice(&options, &line_text(line), input.counterparty)
        {
            c
        } else if options.is_empty() {
            continue;
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
    let tied = keyword_leaders(options, &line_text(line), input.counterparty);
    let choices = if tied.is_empty() { options } else { &tied };
    let c = judge::choose(
        engine,
        prompts,
        line_question(input, line, choices),
        metrics,
    )?;
    Ok(AccountChoice {
        name: c.option.clone(),
        method: "model".into(),
        confidence: c.confidence().min(75),
        evidence: None,
    })
}

/// The line-account judgment put to the model: the purchase (counterparty, description,
/// details, amount and currency) and the accounts `options` of the chart, named, with their
/// descriptions as hints. `zopilot bench judge` asks the same question.
pub fn line_question<'a>(
    input: &AccountsInput<'a>,
    line: &Line,
    options: &[&Account],
) -> Question<'a> {
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
        options: options.iter().map(|a| a.name.clone()).collect(),
        hints: if options.iter().any(|a| a.description.is_some()) {
            options
                .iter()
                .map(|a| a.description.clone().unwrap_or_default())
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// What the keywords alone decide for a purchase line (step 2 above): the account when one
/// leads, else `None` (the model would judge).
pub fn keyword_account(options: &[&Account], line: &Line, counterparty: &str) -> Option<String> {
    keyword_choice(options, &line_text(line), counterparty).map(|c| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_what_was_bought_the_vendor_only_breaks_ties() {
        let c = Chart::for_business(&BusinessProfile::named("x")).unwrap();
        let opts = c.for_lines(Side::Expense);
        // A hosting company's window cleaning is cleaning, not hosting.
        let name = |line: &str, party: &str| keyword_choice(&opts, line, party).map(|a| a.name);
        assert_eq!(
            name("Window cleaning service", "Cloudline Hosting Inc.").as_deref(),
            Some("Repairs & Maintenance")
        );
        // A phrase outranks a word it contains.
        assert_eq!(
            name("Material de oficina", "Suministros Ruiz S.L.").as_deref(),
            Some("Office Supplies & Software")
        );
        // A line that names nothing: the counterparty decides.
        assert_eq!(
            name("Invoice 42", "Cloudline Hosting Inc.").as_deref(),
            Some("Office Supplies & Software")
        );
    }

    #[test]
    fn keywords_decide_when_one_account_leads() {
        let c = Chart::for_business(&BusinessProfile::named("x")).unwrap();
        let opts = c.for_lines(Side::Expense);
        assert_eq!(
            keyword_choice(&opts, "Hotel room 2 nights", "")
                .unwrap()
                .name,
            "Travel"
        );
        assert_eq!(
            keyword_choice(&opts, "Printer toner cartridges", "Office Depot")
                .unwrap()
                .name,
            "Office Supplies & Software"
        );
        assert!(super::super::presets::is_equipment(&c, "Dell server R750"));
    }
}
