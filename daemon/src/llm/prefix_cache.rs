//! The prefix KV cache: the keys and values of a prompt's stable prefix (everything before the
//! last message: the system prompt with its instructions, registry and business profile) kept
//! after a request, so the next request with the same prefix prefills only the rest. In memory,
//! least recently used first out, within a byte budget.
//!
//! Reuse is exact: a prompt is always prefilled as its prefix, then the rest
//! ([`super::Engine`]'s prefill), so a hit replays the same computation and the outputs are the
//! same as without the cache, token for token.

/// Cached prefixes of type `V` (a KV cache), keyed by their tokens.
pub struct PrefixCache<V> {
    entries: Vec<Entry<V>>,
    budget_bytes: usize,
    used_bytes: usize,
    clock: u64,
}

struct Entry<V> {
    tokens: Vec<u32>,
    value: V,
    bytes: usize,
    used: u64,
}

impl<V> PrefixCache<V> {
    /// An empty cache holding at most `budget_bytes` (0: nothing is kept).
    pub fn new(budget_bytes: usize) -> PrefixCache<V> {
        PrefixCache {
            entries: Vec::new(),
            budget_bytes,
            used_bytes: 0,
            clock: 0,
        }
    }

    /// The value cached for exactly `tokens`, marked as just used.
    pub fn get(&mut self, tokens: &[u32]) -> Option<&V> {
        self.clock += 1;
        let now = self.clock;
        let e = self.entries.iter_mut().find(|e| e.tokens == tokens)?;
        e.used = now;
        Some(&e.value)
    }

    /// Keep `value` (`bytes` large) for `tokens`, dropping the least recently used entries until
    /// it fits; a value larger than the whole budget is not kept.
    pub fn insert(&mut self, tokens: Vec<u32>, value: V, bytes: usize) {
        if bytes > self.budget_bytes {
            return;
        }
        if let Some(i) = self.entries.iter().position(|e| e.tokens == tokens) {
            let old = self.entries.swap_remove(i);
            self.used_bytes -= old.bytes;
        }
        while self.used_bytes + bytes > self.budget_bytes {
            let Some(i) = (0..self.entries.len()).min_by_key(|&i| self.entries[i].used) else {
                break;
            };
            let old = self.entries.swap_remove(i);
            self.used_bytes -= old.bytes;
        }
        self.clock += 1;
        self.used_bytes += bytes;
        self.entries.push(Entry {
            tokens,
            value,
            bytes,
            used: self.clock,
        });
    }

    /// Whether a value of `bytes` would be kept (it fits the budget at all).
    pub fn would_keep(&self, bytes: usize) -> bool {
        bytes <= self.budget_bytes
    }

    /// The byte budget.
    pub fn budget(&self) -> usize {
        self.budget_bytes
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.used_bytes
    }

    /// Prefixes held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Change the budget (dropping entries as needed).
    pub fn set_budget(&mut self, budget_bytes: usize) {
        self.budget_bytes = budget_bytes;
        while self.used_bytes > self.budget_bytes {
            let Some(i) = (0..self.entries.len()).min_by_key(|&i| self.entries[i].used) else {
                break;
            };
            let old = self.entries.swap_remove(i);
            self.used_bytes -= old.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_holds_and_the_least_recently_used_goes_first() {
        let mut c = PrefixCache::new(100);
        c.insert(vec![1], "a", 40);
        c.insert(vec![2], "b", 40);
        assert_eq!(c.get(&[1]), Some(&"a")); // 1 is now newer than 2
        c.insert(vec![3], "c", 40); // over budget: 2 goes
        assert_eq!((c.len(), c.bytes()), (2, 80));
        assert!(c.get(&[2]).is_none());
        assert_eq!(c.get(&[3]), Some(&"c"));
        for i in 10..30 {
            c.insert(vec![i], "x", 30); // filled far past the budget
            assert!(c.bytes() <= 100, "{} bytes held", c.bytes());
        }
        c.insert(vec![99], "huge", 101);
        assert!(c.get(&[99]).is_none(), "larger than the budget: not kept");
        c.set_budget(0);
        assert_eq!((c.len(), c.bytes()), (0, 0));
        assert!(c.get(&[1, 2]).is_none() && c.is_empty());
    }
}
