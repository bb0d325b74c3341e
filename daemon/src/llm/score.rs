//! Choosing among options by their likelihood instead of generating: the prompt is prefilled
//! once, then each option is scored as the assistant's complete answer — the log-probability of
//! its tokens followed by the end-of-turn token, each from the same prefilled KV cache (a fork:
//! the cached prompt is never recomputed). This is the multiple-choice scoring of
//! lm-evaluation-harness (Gao et al., 2021), with the mean log-probability per token so that
//! long and short options compete fairly.
//!
//! Nothing is sampled, so no free text can drive a decision; the caller keeps the scores as the
//! decision's evidence.

use serde::Serialize;

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

impl Engine {
    /// Score each of `options` as the answer to `messages` (rendered with the chat template and
    /// a generation prompt). Returns one score per option, in order.
    ///
    /// Errors: [`GenerateError::Invalid`] when there are no options, an option is empty, or the
    /// prompt does not fit the context; [`GenerateError::Runtime`] for ONNX Runtime failures;
    /// [`GenerateError::Cancelled`].
    pub fn score_options(
        &mut self,
        messages: &[Message],
        options: &[String],
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<OptionScore>, GenerateError> {
        if options.is_empty() || options.iter().any(|o| o.trim().is_empty()) {
            return Err(GenerateError::Invalid(
                "score_options: empty option list or option".into(),
            ));
        }
        let (prompt, prefix) = self.encode_with_prefix(messages)?;
        let end = self
            .eos
            .iter()
            .copied()
            .find(|&t| self.tokenizer.token_id("<|im_end|>") == Some(t))
            .or_else(|| self.eos.first().copied());
        let ctx = self.session.config.context_length;
        let longest = options.iter().map(|o| o.len()).max().unwrap_or(0);
        let (mut cache, last, _) =
            self.prefill(&prompt, prefix, prompt.len() + longest + 2, cancel)?;
        let scored = cache.len();
        let mut out = Vec::with_capacity(options.len());
        for o in options {
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(GenerateError::Cancelled);
            }
            let mut toks = self
                .tokenizer
                .encode(&[Piece::Content(o)])
                .map_err(GenerateError::Runtime)?;
            toks.extend(end);
            if prompt.len() + toks.len() > ctx {
                return Err(GenerateError::Invalid(format!(
                    "prompt ({} tokens) + option ({} tokens) exceeds the context ({ctx})",
                    prompt.len(),
                    toks.len()
                )));
            }
            let mut logprob = log_prob(&last, toks[0]);
            if toks.len() > 1 {
                let rows = self
                    .session
                    .forward_rows(&toks[..toks.len() - 1], &mut cache)
                    .map_err(GenerateError::Runtime)?;
                // Back to the prompt for the next option (positions past it are never read).
                cache.truncate(scored);
                for (row, &t) in rows.iter().zip(&toks[1..]) {
                    logprob += log_prob(row, t);
                }
            }
            out.push(OptionScore {
                logprob,
                tokens: toks.len(),
                mean: logprob / toks.len() as f64,
            });
        }
        Ok(out)
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
