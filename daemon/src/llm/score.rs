//! Choosing among options by their likelihood instead of generating: the prompt is prefilled
//! once, then each option is scored as the assistant's complete answer — the log-probability of
//! its tokens followed by the end-of-turn token, from the same prefilled KV cache (the cached
//! prompt is never recomputed). This is the multiple-choice scoring of lm-evaluation-harness
//! (Gao et al., 2021), with the mean log-probability per token so that long and short options
//! compete fairly.
//!
//! Two ways to run the options, the same scores up to float rounding:
//! - **sequential**: one pass per option over its tokens after the prompt, the cache rewound to
//!   the prompt between options ([`KvCache::truncate`], free);
//! - **batched**: options side by side in the batch dimension — the prompt's KV copied into
//!   each sequence ([`KvCache::broadcast`]) — fed in lockstep, one token of every option per
//!   pass (shorter options padded at their end, positions their scores never read), so a group
//!   takes as many passes as its longest option has tokens; groups are sized to
//!   [`Engine::set_score_batch_bytes`]'s budget for the KV copies and logits.
//!
//! Nothing is sampled, so no free text can drive a decision; the caller keeps the scores as the
//! decision's evidence.

use std::time::Instant;

use serde::Serialize;

use super::kv_cache::KvCache;
use super::tokenizer::Piece;
use super::{CancelToken, Engine, GenerateError, Message};

/// The score of one option.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OptionScore {
    /// Σ log p(token) over the option's tokens and the end-of-turn token.
    pub logprob: f64,
    /// Tokens scored (the end-of-turn token included).
    pub tokens: usize,
    /// `logprob / tokens`: what options are ranked by.
    pub mean: f64,
    /// log p of the option's first token alone (where options part ways, when their first
    /// tokens differ).
    pub first_logprob: f64,
}

/// log-softmax of `logits` at `token`.
fn log_prob(logits: &[f32], token: u32) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let sum: f64 = logits.iter().map(|&x| ((x as f64) - max).exp()).sum();
    logits
        .get(token as usize)
        .map(|&x| (x as f64) - max - sum.ln())
        .unwrap_or(f64::NEG_INFINITY)
}

/// The options' scores with what scoring them cost.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoredOptions {
    /// One per option, in order.
    pub options: Vec<OptionScore>,
    pub prompt_tokens: usize,
    /// Of `prompt_tokens`, how many came from the prefix KV cache.
    pub cached_tokens: usize,
    /// Option tokens scored (end-of-turn tokens included).
    pub scored_tokens: usize,
    /// Decoder passes after the prompt's prefill.
    pub passes: usize,
    /// Wall time of the prompt's prefill (prefix cache lookup included), seconds.
    pub prefill_seconds: f64,
    /// Wall time of scoring the options after it, seconds.
    pub scoring_seconds: f64,
}

impl ScoredOptions {
    /// Option indices from the highest mean log-probability per token down; ties keep the
    /// options' order.
    pub fn ranking(&self) -> Vec<usize> {
        self.ranking_by(|o| o.mean)
    }

    /// Option indices from the highest `key` down (e.g. the total log-probability); ties keep
    /// the options' order.
    pub fn ranking_by(&self, key: impl Fn(&OptionScore) -> f64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.options.len()).collect();
        order.sort_by(|&a, &b| key(&self.options[b]).total_cmp(&key(&self.options[a])));
        order
    }

    /// Prompt tokens per second of prefill.
    pub fn prefill_tokens_per_second(&self) -> f64 {
        super::generate::rate(self.prompt_tokens, self.prefill_seconds)
    }

    /// Option tokens scored per second.
    pub fn scoring_tokens_per_second(&self) -> f64 {
        super::generate::rate(self.scored_tokens, self.scoring_seconds)
    }
}

impl Engine {
    /// Score each of `options` as the answer to `messages` (rendered with the chat template and
    /// a generation prompt). Returns one score per option, in order, with the accounting.
    ///
    /// Errors: [`GenerateError::Invalid`] when there are no options, an option is empty, or the
    /// prompt does not fit the context; [`GenerateError::Runtime`] for ONNX Runtime failures;
    /// [`GenerateError::Cancelled`].
    pub fn score_options(
        &mut self,
        messages: &[Message],
        options: &[String],
        cancel: Option<&CancelToken>,
    ) -> Result<ScoredOptions, GenerateError> {
        if options.is_empty() || options.iter().any(|o| o.trim().is_empty()) {
            return Err(GenerateError::Invalid(
                "score_options: empty option list or option".into(),
            ));
        }
        let (prompt, prefix) = self.encode_with_prefix(messages)?;
        let answers = self.answer_tokens(prompt.len(), options)?;
        let longest = answers.iter().map(Vec::len).max().unwrap_or(0);
        let t0 = Instant::now();
        let batched = self.score_batch_bytes > 0 && answers.len() > 1;
        let room = if batched { 0 } else { longest };
        let (mut cache, last, cached_tokens) =
            self.prefill(&prompt, prefix, prompt.len() + room, cancel)?;
        let prefill_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let firsts: Vec<f64> = answers.iter().map(|t| log_prob(&last, t[0])).collect();
        let mut logprobs = firsts.clone();
        let passes = if batched {
            self.score_batched(&answers, &cache, &mut logprobs, cancel)?
        } else {
            self.score_sequential(&answers, &mut cache, &mut logprobs, cancel)?
        };
        let scores: Vec<OptionScore> = answers
            .iter()
            .zip(logprobs.into_iter().zip(firsts))
            .map(|(t, (logprob, first_logprob))| OptionScore {
                logprob,
                tokens: t.len(),
                mean: logprob / t.len() as f64,
                first_logprob,
            })
            .collect();
        Ok(ScoredOptions {
            scored_tokens: scores.iter().map(|s| s.tokens).sum(),
            options: scores,
            prompt_tokens: prompt.len(),
            cached_tokens,
            passes,
            prefill_seconds,
            scoring_seconds: t1.elapsed().as_secs_f64(),
        })
    }

    /// Each option's tokens as the assistant's answer: its text, then the end-of-turn token.
    ///
    /// Errors: the prompt (`prompt_len` tokens) and an option do not fit the context.
    fn answer_tokens(
        &self,
        prompt_len: usize,
        options: &[String],
    ) -> Result<Vec<Vec<u32>>, GenerateError> {
        let end = self
            .eos
            .iter()
            .copied()
            .find(|&t| self.tokenizer.token_id("<|im_end|>") == Some(t))
            .or_else(|| self.eos.first().copied());
        let ctx = self.session.config.context_length;
        options
            .iter()
            .map(|o| {
                let mut toks = self
                    .tokenizer
                    .encode(&[Piece::Content(o)])
                    .map_err(GenerateError::Runtime)?;
                toks.extend(end);
                if prompt_len + toks.len() > ctx {
                    return Err(GenerateError::Invalid(format!(
                        "prompt ({prompt_len} tokens) + option ({} tokens) exceeds the context ({ctx})",
                        toks.len()
                    )));
                }
                Ok(toks)
            })
            .collect()
    }

    /// One pass per option (tokens after the first, whose log-probability is the prompt's),
    /// rewinding `cache` to the prompt after each; adds to `logprobs`. Returns the passes run.
    fn score_sequential(
        &mut self,
        answers: &[Vec<u32>],
        cache: &mut KvCache,
        logprobs: &mut [f64],
        cancel: Option<&CancelToken>,
    ) -> Result<usize, GenerateError> {
        let prompt = cache.len();
        let mut passes = 0;
        for (toks, lp) in answers.iter().zip(logprobs) {
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(GenerateError::Cancelled);
            }
            if toks.len() < 2 {
                continue;
            }
            let rows = self
                .session
                .forward_rows(&toks[..toks.len() - 1], cache)
                .map_err(GenerateError::Runtime)?;
            passes += 1;
            // Back to the prompt for the next option (positions past it are never read).
            cache.truncate(prompt);
            for (row, &t) in rows.iter().zip(&toks[1..]) {
                *lp += log_prob(row, t);
            }
        }
        Ok(passes)
    }

    /// The options in groups side by side in the batch dimension, in lockstep: each pass feeds
    /// every option of the group its next token (ONNX Runtime's `GroupQueryAttention` takes a
    /// batch above 1 after a past only one token at a time), options shorter than the group's
    /// longest padded at their end. Longest first, so a group pads little; each group within
    /// the byte budget. Adds to `logprobs`; returns the passes run.
    fn score_batched(
        &mut self,
        answers: &[Vec<u32>],
        prompt: &KvCache,
        logprobs: &mut [f64],
        cancel: Option<&CancelToken>,
    ) -> Result<usize, GenerateError> {
        let rt = GenerateError::Runtime;
        let mut order: Vec<usize> = (0..answers.len())
            .filter(|&i| answers[i].len() > 1)
            .collect();
        order.sort_by_key(|&i| std::cmp::Reverse(answers[i].len()));
        let kv = self.session.kv_geometry();
        let row_bytes = self.session.logits_width * 4 * 2;
        let mut passes = 0;
        let mut at = 0;
        while at < order.len() {
            let n = answers[order[at]].len() - 1;
            let per_sequence = kv.bytes(prompt.len() + n) + row_bytes;
            let fit = (self.score_batch_bytes / per_sequence.max(1)).max(1);
            let group = &order[at..(at + fit).min(order.len())];
            let mut cache = self
                .session
                .broadcast_cache(prompt, group.len(), prompt.len() + n)
                .map_err(rt)?;
            for step in 0..n {
                if cancel.is_some_and(|c| c.is_cancelled()) {
                    return Err(GenerateError::Cancelled);
                }
                // Past its end an option repeats its last token: positions its score never reads.
                let tokens: Vec<u32> = group
                    .iter()
                    .map(|&i| answers[i][step.min(answers[i].len() - 2)])
                    .collect();
                let rows = self
                    .session
                    .forward_batch(&tokens, &mut cache)
                    .map_err(rt)?;
                passes += 1;
                for (row, &i) in rows.iter().zip(group) {
                    if let Some(&next) = answers[i].get(step + 1) {
                        logprobs[i] += log_prob(row, next);
                    }
                }
            }
            at += group.len();
        }
        Ok(passes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_softmax_of_a_token() {
        let l = [0.0f32, (2.0f32).ln(), f32::NEG_INFINITY];
        // p = [1/3, 2/3, 0]
        assert!((log_prob(&l, 1) - (2.0f64 / 3.0).ln()).abs() < 1e-6);
        assert!(log_prob(&l, 2).is_infinite());
        assert!(log_prob(&l, 9).is_infinite());
    }
}
