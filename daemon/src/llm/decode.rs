//! The decode loop: from the prefill's logits, one token at a time until a stop token, grammar
//! completion, a stop sequence or `max_tokens` — with grammar-forced tokens fed in the same
//! forward pass, and, when enabled under greedy decoding, prompt lookup drafts
//! ([`super::prompt_lookup`]) verified in that pass too. A verified draft token is one the model
//! picks from the row of logits at its position exactly as a plain step would (grammar mask, loop
//! guard, sampler); the rejected tail's KV positions are rewound ([`KvCache::truncate`]). The
//! tokens are greedy decoding's *under the numerics of batched passes*: with int8-quantized
//! activations (`MatMulNBits` accuracy level 4) a position computed in a multi-token pass can
//! differ from a single step by ~0.5 logit, which can change a small model's answer — hence off
//! by default.

use anyhow::anyhow;

use super::constraint::Constraint;
use super::kv_cache::KvCache;
use super::prompt_lookup::Drafter;
use super::request::{FinishReason, GenerationRequest};
use super::sampler::Sampler;
use super::tokenizer::PromptTokenizer;
use super::{Engine, GenerateError};

/// What a decode produced.
#[derive(Default)]
pub(super) struct Decoded {
    pub generated: Vec<u32>,
    pub forced: usize,
    /// Forward passes after the prefill.
    pub steps: usize,
    pub finish: FinishReason,
    /// Draft tokens proposed and accepted (prompt lookup).
    pub drafted: usize,
    pub accepted: usize,
}

/// A text watcher: called with the tokens generated so far; `true` stops (a stop sequence).
pub(super) type Watch<'a> = Option<&'a mut dyn FnMut(&PromptTokenizer, &[u32]) -> bool>;

/// How a decode runs.
#[derive(Clone, Copy, Default)]
pub(super) struct DecodeOptions {
    /// Draft with prompt lookup (honoured only under greedy decoding).
    pub prompt_lookup: bool,
    /// Keep going past stop tokens (benchmarks that decode a fixed number of tokens).
    pub ignore_eos: bool,
}

/// What accepting a token led to: tokens to feed next (it and any the grammar forces), or the end.
enum Next {
    Feed(Vec<u32>),
    Finish(FinishReason),
}

/// The per-request state of the loop.
struct Loop<'a, 'w> {
    req: &'a GenerationRequest,
    eos: Vec<u32>,
    sampler: Sampler,
    constraint: Option<Constraint>,
    watch: Watch<'w>,
    ignore_eos: bool,
    d: Decoded,
}

impl Loop<'_, '_> {
    /// Pick the next token from `logits`: grammar mask, loop guard, sampler.
    fn select(&mut self, mut logits: Vec<f32>) -> Result<Result<u32, FinishReason>, GenerateError> {
        if let Some(c) = self.constraint.as_mut() {
            if c.is_stopped() {
                return Ok(Err(FinishReason::Grammar));
            }
            c.mask_logits(&mut logits).map_err(GenerateError::Runtime)?;
        }
        if let Some(t) = loop_continuation(&self.d.generated) {
            // Degenerate loop guard: refuse the token that would extend a cycle.
            if let Some(l) = logits.get_mut(t as usize) {
                *l = f32::NEG_INFINITY;
            }
        }
        match self.sampler.sample(&mut logits, &self.d.generated) {
            Some(t) => Ok(Ok(t)),
            None => {
                let why = self
                    .constraint
                    .as_ref()
                    .and_then(|c| c.error())
                    .unwrap_or_else(|| "no token allowed".into());
                Err(GenerateError::Runtime(anyhow!("generation stuck: {why}")))
            }
        }
    }

    /// Take `tok` as generated: stop tokens, the grammar (and the tokens it forces next), stop
    /// sequences and `max_tokens`.
    fn accept(&mut self, tok: u32, tokenizer: &PromptTokenizer) -> Result<Next, GenerateError> {
        if !self.ignore_eos && self.eos.contains(&tok) {
            return Ok(Next::Finish(FinishReason::Stop));
        }
        let d = &mut self.d;
        d.generated.push(tok);
        let mut pending = vec![tok];
        if let Some(c) = self.constraint.as_mut() {
            c.consume(tok).map_err(GenerateError::Runtime)?;
            if c.is_stopped() {
                return Ok(Next::Finish(FinishReason::Grammar));
            }
            // Tokens the grammar forces go into the next forward pass together.
            let ff = c.forced_tokens();
            let room = self.req.max_tokens.saturating_sub(d.generated.len());
            let ff = &ff[..ff.len().min(room)];
            d.forced += ff.len();
            d.generated.extend_from_slice(ff);
            pending.extend_from_slice(ff);
            if c.is_stopped() {
                return Ok(Next::Finish(FinishReason::Grammar));
            }
        }
        if self
            .watch
            .as_mut()
            .is_some_and(|w| w(tokenizer, &d.generated))
        {
            return Ok(Next::Finish(FinishReason::Stop));
        }
        if d.generated.len() >= self.req.max_tokens {
            return Ok(Next::Finish(FinishReason::Length));
        }
        Ok(Next::Feed(pending))
    }
}

/// How a verification pass over `pending` + a draft ended.
enum Verified {
    /// Go on from these logits (the row after the last accepted position).
    Logits(Vec<f32>),
    /// A drafted position where the model chose another token: take this one next.
    Chosen(u32),
    Finish(FinishReason),
}

impl Engine {
    /// Decode from `logits` (the prefill's last row) after `prompt`, whose KV is in `cache`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn decode(
        &mut self,
        req: &GenerationRequest,
        prompt: &[u32],
        cache: &mut KvCache,
        mut logits: Vec<f32>,
        constraint: Option<Constraint>,
        cancel: Option<&super::CancelToken>,
        watch: Watch<'_>,
        opts: DecodeOptions,
    ) -> Result<Decoded, GenerateError> {
        let mut lp = Loop {
            req,
            eos: self.eos.clone(),
            sampler: Sampler::new(req.sampling.clone()),
            constraint,
            watch,
            ignore_eos: opts.ignore_eos,
            d: Decoded::default(),
        };
        let speculate = opts.prompt_lookup && req.sampling.temperature == 0.0;
        let mut drafter = Drafter::default();
        let mut chosen = None;
        let finish = loop {
            let tok = match chosen.take() {
                Some(t) => t,
                None => match lp.select(std::mem::take(&mut logits))? {
                    Ok(t) => t,
                    Err(r) => break r,
                },
            };
            let pending = match lp.accept(tok, &self.tokenizer)? {
                Next::Feed(p) => p,
                Next::Finish(r) => break r,
            };
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(GenerateError::Cancelled);
            }
            lp.d.steps += 1;
            let draft = if speculate {
                let room = (req.max_tokens - lp.d.generated.len())
                    .min(cache.capacity().saturating_sub(cache.len() + pending.len()));
                let context: Vec<u32> = prompt.iter().chain(&lp.d.generated).copied().collect();
                drafter.draft(&context, room)
            } else {
                Vec::new()
            };
            if draft.is_empty() {
                logits = self
                    .session
                    .forward(&pending, cache)
                    .map_err(GenerateError::Runtime)?;
                continue;
            }
            match self.verify(&mut lp, cache, &pending, &draft, &mut drafter)? {
                Verified::Logits(l) => logits = l,
                Verified::Chosen(t) => chosen = Some(t),
                Verified::Finish(r) => break r,
            }
        };
        lp.d.finish = finish;
        lp.d.drafted = drafter.drafted;
        lp.d.accepted = drafter.accepted;
        Ok(lp.d)
    }

    /// Feed `pending` + `draft` in one pass and keep the drafted tokens the model confirms, one
    /// by one, as plain steps would; rewind the cache past the last kept position.
    fn verify(
        &mut self,
        lp: &mut Loop<'_, '_>,
        cache: &mut KvCache,
        pending: &[u32],
        draft: &[u32],
        drafter: &mut Drafter,
    ) -> Result<Verified, GenerateError> {
        let base = cache.len();
        let feed: Vec<u32> = pending.iter().chain(draft).copied().collect();
        let mut rows = self
            .session
            .forward_rows(&feed, cache)
            .map_err(GenerateError::Runtime)?;
        let p = pending.len();
        let mut kept = 0;
        let out = loop {
            let row = std::mem::take(&mut rows[p - 1 + kept]);
            if kept == draft.len() {
                break Verified::Logits(row);
            }
            let t = match lp.select(row)? {
                Ok(t) => t,
                Err(r) => break Verified::Finish(r),
            };
            if t != draft[kept] {
                break Verified::Chosen(t);
            }
            kept += 1;
            match lp.accept(t, &self.tokenizer)? {
                Next::Finish(r) => break Verified::Finish(r),
                Next::Feed(more) if more.len() > 1 => {
                    // The grammar forces tokens after this one: feed them from here.
                    cache.truncate(base + p + kept);
                    lp.d.steps += 1;
                    let l = self
                        .session
                        .forward(&more[1..], cache)
                        .map_err(GenerateError::Runtime)?;
                    drafter.feedback(draft.len(), kept);
                    return Ok(Verified::Logits(l));
                }
                Next::Feed(_) => {}
            }
        };
        cache.truncate(base + p + kept);
        drafter.feedback(draft.len(), kept);
        Ok(out)
    }

    /// Greedy-decode exactly `n` tokens after `prompt` (stop tokens ignored), from the prefill's
    /// `logits` and `cache`, with or without prompt lookup drafts: the tokens and the number of
    /// forward passes. For benchmarks.
    pub fn decode_greedy(
        &mut self,
        prompt: &[u32],
        cache: &mut KvCache,
        logits: Vec<f32>,
        n: usize,
        prompt_lookup: bool,
    ) -> Result<(Vec<u32>, usize), GenerateError> {
        let req = GenerationRequest {
            messages: Vec::new(),
            json_schema: None,
            sampling: Default::default(),
            max_tokens: n,
            max_input_length: None,
            stop: Vec::new(),
        };
        let opts = DecodeOptions {
            prompt_lookup,
            ignore_eos: true,
        };
        let d = self.decode(&req, prompt, cache, logits, None, None, None, opts)?;
        Ok((d.generated, d.steps))
    }
}

/// Shortest tail a repetition must cover before the guard steps in, in tokens.
const LOOP_MIN_SPAN: usize = 12;

/// If the tail of `generated` is one cycle of 1–32 tokens repeated over at least
/// [`LOOP_MIN_SPAN`] tokens and at least three times (`s.s.s.s…`, `1.1.1.1…`, the same line item
/// again and again), the token that would continue it.
///
/// Small models under greedy decoding fall into such cycles inside free-text JSON strings; banning
/// the continuation lets the grammar close the string instead of filling it to its maximum length.
pub fn loop_continuation(generated: &[u32]) -> Option<u32> {
    for period in 1..=32 {
        let span = LOOP_MIN_SPAN.max(3 * period);
        if generated.len() < span {
            continue;
        }
        let tail = &generated[generated.len() - span..];
        if (period..span).all(|i| tail[i] == tail[i - period]) {
            return Some(generated[generated.len() - period]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_guard_finds_short_cycles_only() {
        let cycle: Vec<u32> = std::iter::repeat_n([5, 6], 6).flatten().collect();
        assert_eq!(loop_continuation(&cycle), Some(5));
        let mut same = vec![1, 2, 3];
        same.extend(std::iter::repeat_n(9, 12));
        assert_eq!(loop_continuation(&same), Some(9));
        let varied: Vec<u32> = (0..40).collect();
        assert_eq!(loop_continuation(&varied), None);
        assert_eq!(loop_continuation(&[7; 11]), None);
    }
}
