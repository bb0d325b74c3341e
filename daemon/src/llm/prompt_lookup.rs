//! Prompt lookup drafts for speculative decoding: when the tokens just generated also occur
//! earlier in the prompt or the output, the tokens that followed them there are a likely
//! continuation — invoice fields, names and amounts are copied from the document. The decode
//! loop feeds the draft together with the next token in one forward pass and keeps the drafted
//! tokens the model itself chooses at their rows (greedy verification), so fewer forward passes
//! give greedy decoding's output — up to the rounding differences between a batched pass and
//! single steps (see [`super::decode`]).
//!
//! Method: Saxena, "Prompt Lookup Decoding" (2023, <https://github.com/apoorvumang/prompt-lookup-decoding>);
//! verification as in Leviathan et al., "Fast Inference from Transformers via Speculative
//! Decoding" (ICML 2023), greedy case.

/// Longest and shortest suffix n-gram searched for, in tokens.
const NGRAM_MAX: usize = 4;
const NGRAM_MIN: usize = 2;
/// Most tokens drafted at once.
pub const DRAFT_MAX: usize = 8;

/// Finds drafts and adapts their length to how many were accepted lately.
pub struct Drafter {
    /// Current draft length (1..=DRAFT_MAX): doubled after a fully accepted draft, halved after
    /// one rejected at its first token.
    len: usize,
    /// Drafts proposed and drafted tokens accepted, for the completion's statistics.
    pub drafted: usize,
    pub accepted: usize,
    /// Steps left without drafting, and the pause the next miss at length 1 starts (doubling
    /// up to [`PAUSE_MAX`], back to none after a hit): where drafts keep missing — output that
    /// does not repeat the prompt, or long contexts where a wider pass costs almost a step per
    /// token — the loop runs as plain decoding.
    pause: usize,
    next_pause: usize,
}

/// Longest pause after repeated misses, in steps.
const PAUSE_MAX: usize = 32;

impl Default for Drafter {
    fn default() -> Self {
        Drafter {
            len: 4,
            drafted: 0,
            accepted: 0,
            pause: 0,
            next_pause: 1,
        }
    }
}

impl Drafter {
    /// Up to `room` tokens continuing `context` (prompt then generated tokens): those after the
    /// latest earlier occurrence of its longest suffix of `NGRAM_MAX`..`NGRAM_MIN` tokens; empty
    /// when there is none.
    pub fn draft(&mut self, context: &[u32], room: usize) -> Vec<u32> {
        if self.pause > 0 {
            self.pause -= 1;
            return Vec::new();
        }
        let want = self.len.min(room);
        if want == 0 {
            return Vec::new();
        }
        for n in (NGRAM_MIN..=NGRAM_MAX).rev() {
            if context.len() <= n {
                continue;
            }
            let tail = &context[context.len() - n..];
            // Latest start i < len - n whose n tokens equal the tail and that has a continuation.
            let found = (0..context.len() - n)
                .rev()
                .find(|&i| &context[i..i + n] == tail);
            if let Some(i) = found {
                let from = i + n;
                let to = (from + want).min(context.len());
                if from < to {
                    return context[from..to].to_vec();
                }
            }
        }
        Vec::new()
    }

    /// Record that `accepted` of `drafted` tokens were kept.
    pub fn feedback(&mut self, drafted: usize, accepted: usize) {
        self.drafted += drafted;
        self.accepted += accepted;
        if accepted == 0 && self.len == 1 {
            self.pause = self.next_pause;
            self.next_pause = (self.next_pause * 2).min(PAUSE_MAX);
        } else if accepted > 0 {
            self.next_pause = 1;
        }
        if accepted == drafted {
            self.len = (self.len * 2).min(DRAFT_MAX);
        } else if accepted == 0 {
            self.len = (self.len / 2).max(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_what_followed_the_latest_match_of_the_longest_suffix() {
        let mut d = Drafter::default();
        // "… 7 8 9 1 2 … 7 8" → after "7 8" came "9 1 2 …"
        let ctx = [1, 2, 3, 7, 8, 9, 1, 2, 5, 6, 7, 8];
        assert_eq!(d.draft(&ctx, 10), vec![9, 1, 2, 5]);
        assert_eq!(d.draft(&ctx, 2), vec![9, 1]);
        assert!(d.draft(&ctx, 0).is_empty());
        // The latest occurrence wins: "4 4" follows "3 3" the second time.
        assert_eq!(d.draft(&[3, 3, 1, 3, 3, 4, 4, 0, 3, 3], 2), vec![4, 4]);
        // No suffix of two tokens occurs earlier: nothing.
        assert!(d.draft(&[1, 2, 3, 4, 5], 4).is_empty());
    }

    #[test]
    fn the_draft_length_follows_acceptance() {
        let mut d = Drafter::default();
        d.feedback(4, 4);
        assert_eq!(d.len, 8);
        d.feedback(8, 8);
        assert_eq!(d.len, DRAFT_MAX);
        d.feedback(8, 0);
        d.feedback(4, 0);
        d.feedback(2, 0);
        assert_eq!((d.len, d.pause), (1, 0));
        // A miss at length 1 pauses drafting: 1 step, then 2, … (doubling); a hit resets it.
        d.feedback(1, 0);
        assert_eq!(d.pause, 1);
        assert!(d.draft(&[1, 2, 1, 2], 4).is_empty(), "paused");
        assert_eq!(d.draft(&[1, 2, 1, 2], 4), vec![1]);
        d.feedback(1, 0);
        assert_eq!(d.pause, 2);
        d.feedback(1, 1);
        assert_eq!((d.len, d.next_pause, d.drafted, d.accepted), (2, 1, 29, 13));
    }
}
