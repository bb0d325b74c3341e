//! Token selection from logits: greedy, or temperature + top-k + top-p (nucleus) sampling, with a
//! repetition penalty.
//!
//! - Repetition penalty follows CTRL (Keskar et al., 2019, §4.1) as implemented by Hugging Face
//!   `RepetitionPenaltyLogitsProcessor`: a positive logit of an already generated token is divided
//!   by the penalty, a negative one multiplied. Unlike HF we apply it to *generated* tokens only, so
//!   copying a value from the document in the prompt (an invoice number, an amount) is not penalised.
//! - Top-p follows Holtzman et al., 2020 ("The Curious Case of Neural Text Degeneration"): keep the
//!   smallest set of most likely tokens whose probability sums to ≥ `top_p`.
//! - Temperature 0 means greedy: argmax, ties to the lowest token id.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Decoding parameters of one generation request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamplingParams {
    /// Softmax temperature; `0` selects greedy decoding. Range 0–2.
    pub temperature: f32,
    /// Nucleus mass in (0, 1]; `1` disables.
    pub top_p: f32,
    /// Keep only the `top_k` most likely tokens; `0` disables.
    pub top_k: usize,
    /// CTRL repetition penalty ≥ 1; `1` disables.
    pub repetition_penalty: f32,
    /// Seed of the sampling RNG, for reproducible sampled runs.
    pub seed: u64,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            temperature: 0.0,
            top_p: 1.0,
            top_k: 0,
            repetition_penalty: 1.0,
            seed: 0,
        }
    }
}

impl SamplingParams {
    /// Check ranges; the error names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=2.0).contains(&self.temperature) || self.temperature.is_nan() {
            return Err(format!(
                "temperature must be within 0..=2, got {}",
                self.temperature
            ));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(format!("top_p must be within (0, 1], got {}", self.top_p));
        }
        if !(1.0..=10.0).contains(&self.repetition_penalty) {
            return Err(format!(
                "repetition_penalty must be within 1..=10, got {}",
                self.repetition_penalty
            ));
        }
        Ok(())
    }
}

/// A request's number as the sampler's `f32`, keeping a positive value positive (a `top_p` of
/// 1e-300 is tiny, not zero).
pub fn param_f32(x: f64) -> f32 {
    let f = x as f32;
    if x > 0.0 && f == 0.0 {
        f32::MIN_POSITIVE
    } else {
        f
    }
}

/// A stateful sampler (it owns the RNG) for one generation.
pub struct Sampler {
    params: SamplingParams,
    rng: StdRng,
}

impl Sampler {
    pub fn new(params: SamplingParams) -> Sampler {
        let rng = StdRng::seed_from_u64(params.seed);
        Sampler { params, rng }
    }

    /// Pick the next token from `logits` (modified in place). Entries set to `-inf` (for example by a
    /// grammar mask) are never chosen. `generated` are the tokens produced so far.
    ///
    /// Returns `None` only when every logit is `-inf` or NaN.
    pub fn sample(&mut self, logits: &mut [f32], generated: &[u32]) -> Option<u32> {
        let p = &self.params;
        if p.repetition_penalty != 1.0 {
            let mut seen = generated.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                if let Some(l) = logits.get_mut(t as usize) {
                    *l = if *l > 0.0 {
                        *l / p.repetition_penalty
                    } else {
                        *l * p.repetition_penalty
                    };
                }
            }
        }
        if p.temperature == 0.0 {
            return argmax(logits);
        }
        let mut cands: Vec<(u32, f32)> = logits
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_finite())
            .map(|(i, &l)| (i as u32, l / p.temperature))
            .collect();
        if cands.is_empty() {
            return None;
        }
        let by_logit = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if p.top_k > 0 && p.top_k < cands.len() {
            cands.select_nth_unstable_by(p.top_k - 1, by_logit);
            cands.truncate(p.top_k);
        }
        cands.sort_unstable_by(by_logit);
        let max = cands[0].1;
        let mut probs: Vec<f32> = cands.iter().map(|(_, l)| (l - max).exp()).collect();
        let sum: f32 = probs.iter().sum();
        probs.iter_mut().for_each(|x| *x /= sum);
        if p.top_p < 1.0 {
            let mut acc = 0.0;
            let mut keep = probs.len();
            for (i, pr) in probs.iter().enumerate() {
                acc += pr;
                if acc >= p.top_p {
                    keep = i + 1;
                    break;
                }
            }
            probs.truncate(keep);
            cands.truncate(keep);
        }
        let total: f32 = probs.iter().sum();
        let mut r = self.rng.random::<f32>() * total;
        for (i, pr) in probs.iter().enumerate() {
            if r < *pr {
                return Some(cands[i].0);
            }
            r -= pr;
        }
        Some(cands[cands.len() - 1].0)
    }
}

/// Index of the largest finite logit; ties go to the lowest index.
pub fn argmax(logits: &[f32]) -> Option<u32> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &l) in logits.iter().enumerate() {
        if l.is_nan() || l == f32::NEG_INFINITY {
            continue;
        }
        match best {
            Some((_, b)) if l <= b => {}
            _ => best = Some((i, l)),
        }
    }
    best.map(|(i, _)| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_lowest_id_on_ties_and_skips_masked() {
        let mut s = Sampler::new(SamplingParams::default());
        let mut l = vec![1.0, 3.0, 3.0, f32::NEG_INFINITY];
        assert_eq!(s.sample(&mut l, &[]), Some(1));
        let mut l = vec![f32::NEG_INFINITY, 0.5, f32::NEG_INFINITY];
        assert_eq!(s.sample(&mut l, &[]), Some(1));
        let mut l = vec![f32::NEG_INFINITY; 3];
        assert_eq!(s.sample(&mut l, &[]), None);
    }

    #[test]
    fn repetition_penalty_changes_the_greedy_choice() {
        let params = SamplingParams {
            repetition_penalty: 2.0,
            ..Default::default()
        };
        let mut s = Sampler::new(params);
        let mut l = vec![2.0, 1.5];
        assert_eq!(s.sample(&mut l, &[0]), Some(1));
        assert_eq!(l[0], 1.0);
    }

    #[test]
    fn top_k_one_is_greedy_and_top_p_keeps_the_nucleus() {
        let mut s = Sampler::new(SamplingParams {
            temperature: 1.0,
            top_k: 1,
            seed: 7,
            ..Default::default()
        });
        for _ in 0..20 {
            let mut l = vec![0.0, 2.0, 1.9];
            assert_eq!(s.sample(&mut l, &[]), Some(1));
        }
        let mut s = Sampler::new(SamplingParams {
            temperature: 1.0,
            top_p: 0.5,
            seed: 7,
            ..Default::default()
        });
        for _ in 0..50 {
            // token 1 alone holds > 50 % of the mass.
            let mut l = vec![0.0, 5.0, 1.0, 1.0];
            assert_eq!(s.sample(&mut l, &[]), Some(1));
        }
    }

    #[test]
    fn sampling_is_reproducible_for_a_seed_and_visits_several_tokens() {
        let params = SamplingParams {
            temperature: 1.0,
            seed: 42,
            ..Default::default()
        };
        let run = || {
            let mut s = Sampler::new(params.clone());
            (0..64)
                .map(|_| s.sample(&mut [1.0, 1.0, 1.0, 1.0], &[]).unwrap())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let mut distinct = a.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() >= 3, "{a:?}");
    }

    #[test]
    fn validation_names_the_field() {
        let bad = SamplingParams {
            top_p: 0.0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("top_p"));
    }
}
