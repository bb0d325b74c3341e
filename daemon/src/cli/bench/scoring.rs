//! The option-scoring part of `zopilot bench engine`: one judgment like the pipeline's line-account
//! choice (a purchase line; the expense accounts of the default chart as options, rendered with
//! the judge prompts), scored one option per pass and with the options side by side in the batch
//! dimension (`score_batch_mb`), the prefix cache cleared before each so both prefill the same.

use anyhow::{anyhow, Result};
use serde::Serialize;

use super::stats::median;
use crate::llm::{Engine, Message};
use crate::pipeline::accounts::{line_question, AccountsInput, Line};
use crate::pipeline::chart::{Chart, Side};
use crate::pipeline::judge;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::prompts::Prompts;

/// Byte budget of the batched measurement: enough for every option in one group.
const BATCH_BYTES: usize = 1 << 30;

/// Medians of one judgment's scoring.
#[derive(Debug, Serialize)]
pub(super) struct ScoringRow {
    pub options: usize,
    pub prompt_tokens: usize,
    pub scored_tokens: usize,
    pub prefill_s: f64,
    /// One forward pass per option, rewinding to the prompt between them.
    pub sequential_s: f64,
    pub sequential_passes: usize,
    /// Options side by side in the batch dimension, one token of each per pass.
    pub batched_s: f64,
    pub batched_passes: usize,
    /// Both ways chose the same option.
    pub same_choice: bool,
}

/// The judgment's messages and options.
fn judgment() -> Result<(Vec<Message>, Vec<String>)> {
    let profile = BusinessProfile::named("Nordwind Trading GmbH");
    let chart = Chart::for_business(&profile)?;
    let accounts = chart.for_lines(Side::Expense);
    let input = AccountsInput {
        profile: &profile,
        chart: &chart,
        counterparty: "Bürobedarf Schmidt KG",
        currency: "EUR",
    };
    let line = Line::new(
        "Printer toner, black",
        "2 cartridges",
        rust_decimal::Decimal::new(8990, 2),
    );
    let question = line_question(&input, &line, &accounts);
    Ok((
        judge::messages(&Prompts::new()?, &question)?,
        question.options,
    ))
}

/// Score the judgment `rounds` times each way, alternating; the engine is left scoring one
/// option per pass.
pub(super) fn measure(engine: &mut Engine, rounds: usize) -> Result<ScoringRow> {
    let (messages, options) = judgment()?;
    let (mut prefill, mut seq, mut bat) = (Vec::new(), Vec::new(), Vec::new());
    let (mut seq_passes, mut bat_passes, mut same) = (0, 0, true);
    let (mut prompt_tokens, mut scored_tokens) = (0, 0);
    for _ in 0..rounds.max(1) {
        let mut choices = Vec::new();
        for bytes in [0, BATCH_BYTES] {
            engine.clear_prefix_cache();
            engine.set_score_batch_bytes(bytes);
            let s = engine
                .score_options(&messages, &options, None)
                .map_err(|e| anyhow!("{e}"))?;
            prefill.push(s.prefill_seconds);
            (prompt_tokens, scored_tokens) = (s.prompt_tokens, s.scored_tokens);
            if bytes == 0 {
                seq.push(s.scoring_seconds);
                seq_passes = s.passes;
            } else {
                bat.push(s.scoring_seconds);
                bat_passes = s.passes;
            }
            choices.push(s.ranking()[0]);
        }
        same &= choices[0] == choices[1];
    }
    engine.set_score_batch_bytes(0);
    Ok(ScoringRow {
        options: options.len(),
        prompt_tokens,
        scored_tokens,
        prefill_s: median(prefill),
        sequential_s: median(seq),
        sequential_passes: seq_passes,
        batched_s: median(bat),
        batched_passes: bat_passes,
        same_choice: same,
    })
}
