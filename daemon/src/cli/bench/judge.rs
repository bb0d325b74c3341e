//! `zopilot bench judge --corpus DIR --lines FILE`: the line-account judgment on its own. Every
//! labelled purchase line (the `lines[].account` of `DIR/labels.json`'s incoming documents, and
//! the lines of FILE, e.g. `tests/evalset/line_accounts.json`) is put to the model with **all**
//! expense accounts of the business's chart as options — the question the pipeline asks when no
//! keyword matches ([`crate::pipeline::accounts::line_question`]) — so the figure is the model's
//! own accuracy as a judge, over far more lines than reach it in `bench pipeline` (where
//! keywords and presets decide most). Beside it: what the keywords alone decide, and keywords
//! first with the model's choice for the rest.
//!
//! Prints one line per judgment (right or not, the line, expected, chosen, seconds, prompt tokens
//! and how many came from the prefix cache), then the totals: accuracy by the pipeline's ranking
//! (mean log-probability per token) and by an option's total and first-token log-probability,
//! per label source, on the lines the keywords leave undecided, and keywords-then-model; seconds
//! and tokens per judgment.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use rust_decimal::Decimal;
use serde_json::Value;

use super::pipeline::profile_from_label;
use super::stats::pct;
use crate::config::Config;
use crate::extract::money::decimal;
use crate::llm::EngineHandle;
use crate::pipeline::accounts::{self, AccountsInput, Line};
use crate::pipeline::chart::{Chart, Side};
use crate::pipeline::judge;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::prompts::Prompts;
use crate::pipeline::{self};

/// One labelled purchase line.
struct Case {
    business: BusinessProfile,
    counterparty: String,
    description: String,
    amount: Decimal,
    currency: String,
    /// The expense account it belongs to.
    account: String,
    /// Where the label comes from (the corpus folder or the lines file).
    source: String,
}

/// The labelled lines of a corpus's incoming documents.
fn corpus_cases(dir: &Path) -> Result<Vec<Case>> {
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("labels.json"))
            .with_context(|| format!("reading {}/labels.json", dir.display()))?,
    )?;
    let mut cases = Vec::new();
    for d in labels["documents"].as_array().into_iter().flatten() {
        if d["direction"] != "incoming" {
            continue;
        }
        let business = profile_from_label(&d["business"]);
        let currency = d["fields"]["currency"]
            .as_str()
            .or(business.currency.as_deref())
            .unwrap_or("")
            .to_string();
        for l in d["lines"].as_array().into_iter().flatten() {
            let Some(account) = l["account"].as_str() else {
                continue;
            };
            cases.push(Case {
                business: business.clone(),
                counterparty: d["fields"]["from.name"].as_str().unwrap_or("").into(),
                description: l["description"].as_str().unwrap_or("").into(),
                amount: decimal(&l["amount"]).unwrap_or_default(),
                currency: currency.clone(),
                account: account.into(),
                source: dir.display().to_string(),
            });
        }
    }
    Ok(cases)
}

/// The lines of a labelled-lines file (`{"business": {…}, "lines": [{description,
/// counterparty, amount, currency, account}]}`).
fn file_cases(path: &Path) -> Result<Vec<Case>> {
    let f: Value = serde_json::from_str(
        &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    )
    .with_context(|| format!("parsing {}", path.display()))?;
    let business = profile_from_label(&f["business"]);
    let s = |l: &Value, k: &str| l[k].as_str().unwrap_or("").to_string();
    Ok(f["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| Case {
            business: business.clone(),
            counterparty: s(l, "counterparty"),
            description: s(l, "description"),
            amount: decimal(&l["amount"]).unwrap_or_default(),
            currency: s(l, "currency"),
            account: s(l, "account"),
            source: path.display().to_string(),
        })
        .collect())
}

/// Totals over the judgments.
#[derive(Default)]
struct Totals {
    cases: usize,
    /// Right by the pipeline's rule (mean log-probability per token), by the option's total
    /// log-probability, and by its first token's.
    mean_right: usize,
    sum_right: usize,
    first_right: usize,
    keyword_decided: usize,
    keyword_right: usize,
    /// Right by the pipeline's rule where the keywords decide nothing (the lines that reach
    /// the model in the pipeline).
    undecided_right: usize,
    combined_right: usize,
    /// Per source: (right by the pipeline's rule, lines).
    by_source: BTreeMap<String, (usize, usize)>,
    prompt_tokens: usize,
    cached_tokens: usize,
    prefill_seconds: f64,
    scoring_seconds: f64,
}

pub(super) fn run(cfg: &Config, corpus: Option<&Path>, lines: Option<&Path>) -> Result<ExitCode> {
    let mut cases = Vec::new();
    if let Some(d) = corpus {
        cases.extend(corpus_cases(d)?);
    }
    if let Some(f) = lines {
        cases.extend(file_cases(f)?);
    }
    if cases.is_empty() {
        bail!("no labelled purchase lines: give --corpus DIR and/or --lines FILE");
    }
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let info = engine.info().map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("model: {} on {:?}", info.name, cfg.execution_provider);
    let prompts = Prompts::new()?;
    let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
    let mut t = Totals::default();
    for (i, c) in cases.iter().enumerate() {
        if !charts.contains_key(&c.business.name) {
            charts.insert(c.business.name.clone(), Chart::for_business(&c.business)?);
        }
        let chart = &charts[&c.business.name];
        judge_one(&engine, &prompts, chart, i, c, &mut t)?;
    }
    report(&t);
    Ok(ExitCode::SUCCESS)
}

fn judge_one(
    engine: &EngineHandle,
    prompts: &Prompts,
    chart: &Chart,
    i: usize,
    c: &Case,
    t: &mut Totals,
) -> Result<()> {
    let options = chart.for_lines(Side::Expense);
    let input = AccountsInput {
        profile: &c.business,
        chart,
        counterparty: &c.counterparty,
        currency: &c.currency,
    };
    let line = Line::new(c.description.clone(), "", c.amount);
    let keyword = accounts::keyword_account(&options, &line, &c.counterparty);
    let q = accounts::line_question(&input, &line, &options);
    let scored = engine
        .score(judge::messages(prompts, &q)?, q.options.clone())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let names = &q.options;
    // The pipeline's choice (`judge::choose`): the first of the ranking.
    let chosen = &names[scored.ranking()[0]];
    let right = *chosen == c.account;
    t.cases += 1;
    t.mean_right += right as usize;
    t.sum_right += (names[scored.ranking_by(|o| o.logprob)[0]] == c.account) as usize;
    t.first_right += (names[scored.ranking_by(|o| o.first_logprob)[0]] == c.account) as usize;
    if let Some(k) = &keyword {
        t.keyword_decided += 1;
        t.keyword_right += (*k == c.account) as usize;
    } else {
        t.undecided_right += right as usize;
    }
    let src = t.by_source.entry(c.source.clone()).or_default();
    src.0 += right as usize;
    src.1 += 1;
    t.combined_right += (keyword.as_ref().unwrap_or(chosen) == &c.account) as usize;
    t.prompt_tokens += scored.prompt_tokens;
    t.cached_tokens += scored.cached_tokens;
    t.prefill_seconds += scored.prefill_seconds;
    t.scoring_seconds += scored.scoring_seconds;
    println!(
        "{i:>3} {} {:<40} {:<30} {:<30} {:>5.2}s {:>4} tok ({:>3} cached)",
        if right { "ok  " } else { "MISS" },
        c.description.chars().take(40).collect::<String>(),
        c.account,
        chosen,
        scored.prefill_seconds + scored.scoring_seconds,
        scored.prompt_tokens,
        scored.cached_tokens
    );
    Ok(())
}

fn report(t: &Totals) {
    let n = t.cases.max(1) as f64;
    println!();
    println!(
        "model alone (all expense accounts as options): {} (ranked by total log-probability: {}, by the first token: {})",
        pct((t.mean_right, t.cases)),
        pct((t.sum_right, t.cases)),
        pct((t.first_right, t.cases))
    );
    for (source, &(right, n)) in &t.by_source {
        println!("  {source}: {}", pct((right, n)));
    }
    println!(
        "keywords decide {} of {} lines, right {}; the model on the other {}: {}; keywords, else the model: {}",
        t.keyword_decided,
        t.cases,
        pct((t.keyword_right, t.keyword_decided)),
        t.cases - t.keyword_decided,
        pct((t.undecided_right, t.cases - t.keyword_decided)),
        pct((t.combined_right, t.cases))
    );
    println!(
        "per judgment: {:.2} s, prompt {:.0} tokens of which {:.0} from the prefix cache, prefill {:.2} s, scoring {:.2} s",
        (t.prefill_seconds + t.scoring_seconds) / n,
        t.prompt_tokens as f64 / n,
        t.cached_tokens as f64 / n,
        t.prefill_seconds / n,
        t.scoring_seconds / n
    );
}
