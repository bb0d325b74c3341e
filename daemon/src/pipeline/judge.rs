//! The model's one job in the pipeline: a choice among options built from data (accounts of the
//! chart, PRIMARY candidates of the decision table, document kinds), made by scoring each option
//! as the answer ([`crate::llm::score`]) — never by generating free text. The prompt is
//! `schema/prompts/judge.*.j2` ([`messages`]): the business in the system message; the facts the
//! choice needs, the question and the options (with what each is for, where known) in the user
//! message.

use std::time::Instant;

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::json;

use super::metrics::{engine_error, StageMetrics};
use super::prompts::Prompts;
use crate::llm::{EngineHandle, Message};

/// A choice and its evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    /// Index into the options.
    pub index: usize,
    pub option: String,
    /// Mean log-probability per token of each option, in order.
    pub scores: Vec<f64>,
    /// Best score minus the runner-up's (0 with one option): how clearly the model preferred it.
    pub margin: f64,
}

impl Choice {
    /// A confidence 0–100 from the margin: 50 at a tie, 90 at a margin of 1 nat per token or more.
    pub fn confidence(&self) -> i64 {
        (50.0 + 40.0 * self.margin.clamp(0.0, 1.0)).round() as i64
    }
}

/// Most characters of [`Question::context`] shown to the model (≈ 1,000 tokens of prose): a document
/// whose first lines are one enormous line costs no more than a normal one.
pub const MAX_CONTEXT_CHARS: usize = 3000;

/// `text` cut to `max` characters (on a character boundary), marked when cut.
pub fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((i, _)) => std::borrow::Cow::Owned(format!("{}\n[…]", &text[..i])),
    }
}

/// What one judgment needs.
pub struct Question<'a> {
    /// For metrics: `judge:<what>`.
    pub stage: String,
    pub business: &'a str,
    /// The facts the choice rests on (document, line, counterparty).
    pub context: String,
    pub question: &'a str,
    pub options: Vec<String>,
    /// What each option means, shown beside it (aligned with `options`; empty = none).
    pub hints: Vec<String>,
}

/// The judgment's chat: the system message says who answers and how (the same for every
/// judgment of a business: the prefix cache holds it); the user message has the facts (clipped
/// to [`MAX_CONTEXT_CHARS`]), the question and the options — each with its hint (the chart's
/// account description) when there is one —, last, next to the answer.
///
/// Measured with the 1.5B model over 111 labelled purchase lines (`zopilot bench judge`), all
/// expense accounts as options: names only 68 % right; with the descriptions 77 %. The
/// layouts that let the prefix cache hold the options (question and options, or the
/// descriptions, in the system message) prefill 2–3 × fewer tokens but chose worse (57–74 %, and
/// 3 of 6 instead of 6 of 6 model-judged lines of the evaluation set), so the options stay
/// next to the answer.
///
/// Errors: a template fails to render.
pub fn messages(prompts: &Prompts, q: &Question<'_>) -> Result<Vec<Message>> {
    let vars = json!({
        "business": q.business,
        "question": q.question,
        "options": q.options,
        "hints": q.hints,
        "context": clip(&q.context, MAX_CONTEXT_CHARS),
    });
    let system = prompts.render("judge.system", &vars)?;
    let user = prompts.render("judge.user", &vars)?;
    Ok(vec![Message::system(system), Message::user(user)])
}

/// Ask the model to choose among `q.options` (at least one).
///
/// Errors: no options; the engine fails ([`crate::failure::Transient`] when the model cannot be
/// loaded).
pub fn choose(
    engine: &EngineHandle,
    prompts: &Prompts,
    q: Question<'_>,
    metrics: &mut Vec<StageMetrics>,
) -> Result<Choice> {
    if q.options.is_empty() {
        return Err(anyhow!("{}: no options to choose from", q.stage));
    }
    if q.options.len() == 1 {
        return Ok(Choice {
            index: 0,
            option: q.options[0].clone(),
            scores: vec![0.0],
            margin: 0.0,
        });
    }
    let t0 = Instant::now();
    let scores = engine
        .score(messages(prompts, &q)?, q.options.clone())
        .map_err(|e| engine_error(&q.stage, e))?;
    let means: Vec<f64> = scores.options.iter().map(|s| s.mean).collect();
    let order = scores.ranking();
    let (best, second) = (order[0], order[1]);
    metrics.push(StageMetrics {
        stage: q.stage.clone(),
        prompt_tokens: scores.prompt_tokens,
        cached_tokens: scores.cached_tokens,
        completion_tokens: scores.scored_tokens,
        forced_tokens: 0,
        prefill_seconds: scores.prefill_seconds,
        // Scoring the options is this call's "decode".
        decode_seconds: scores.scoring_seconds,
        prefill_tokens_per_second: scores.prefill_tokens_per_second(),
        decode_tokens_per_second: scores.scoring_tokens_per_second(),
        seconds: t0.elapsed().as_secs_f64(),
    });
    Ok(Choice {
        index: best,
        option: q.options[best].clone(),
        margin: means[best] - means[second],
        scores: means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::accounts::{line_question, AccountsInput, Line};
    use crate::pipeline::chart::{Chart, Side};
    use crate::pipeline::profile::BusinessProfile;

    const INSTRUCTION: &str = "You are the bookkeeper of Acme Ltd. You answer with exactly one of the options you are given, written exactly as listed, and nothing else.";

    #[test]
    fn without_hints_the_system_message_is_the_instruction_alone() {
        let q = Question {
            stage: "judge:primary_action".into(),
            business: "Acme Ltd",
            context: "Document: invoice from Blue Ridge Electric Co., total 42.00 USD.".into(),
            question: "Which accounting action records this document in the books?",
            options: vec!["createBill: a bill".into(), "createExpense: paid".into()],
            hints: Vec::new(),
        };
        let m = messages(&Prompts::new().unwrap(), &q).unwrap();
        assert_eq!(m[0].content, INSTRUCTION);
        assert!(m[1]
            .content
            .starts_with("Document: invoice from Blue Ridge"));
        assert!(m[1]
            .content
            .contains("Options:\n- createBill: a bill\n- createExpense: paid\n"));
        assert!(m[1].content.ends_with("Answer with one option."));
    }

    #[test]
    fn account_descriptions_stand_beside_the_options_after_the_facts() {
        let profile = BusinessProfile::named("Acme Ltd");
        let chart = Chart::for_business(&profile).unwrap();
        let accounts = chart.for_lines(Side::Expense);
        let prompts = Prompts::new().unwrap();
        let ask = |description: &str, party: &str| {
            let input = AccountsInput {
                profile: &profile,
                chart: &chart,
                counterparty: party,
                currency: "USD",
            };
            let line = Line::new(description, "", rust_decimal::Decimal::new(4200, 2));
            messages(&prompts, &line_question(&input, &line, &accounts)).unwrap()
        };
        let a = ask("Diesel 40 L", "Shell");
        let b = ask("Monthly plan, 3 lines", "Verizon");
        assert_eq!(a[0].content, INSTRUCTION);
        assert_eq!(a[0].content, b[0].content, "one cacheable system prompt");
        let user = &a[1].content;
        assert!(user.starts_with("A purchase from Shell: \"Diesel 40 L\", 42.00 USD."));
        assert!(user.contains(
            "\n- Utilities (electricity, gas, water, heating, telephone, mobile and internet service)\n"
        ));
        // Every expense account is listed with what it is for, in the chart's order.
        let listed: Vec<&str> = user.lines().filter_map(|l| l.strip_prefix("- ")).collect();
        assert_eq!(listed.len(), accounts.len());
        for (l, acc) in listed.iter().zip(&accounts) {
            assert_eq!(
                *l,
                format!("{} ({})", acc.name, acc.description.as_deref().unwrap())
            );
        }
        assert!(user.ends_with("Answer with one option."));
    }
}
