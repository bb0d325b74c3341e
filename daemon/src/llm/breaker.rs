//! A circuit breaker for calls to a remote inference server (Nygard, *Release It!*, 2007, ch. 5):
//! **closed** — calls go to the server; after [`FAILURES_TO_OPEN`] failed calls in a row it
//! **opens** — calls skip the server (the caller falls back at once) for [`OPEN_FOR`]; then one
//! call may try again (**half-open**): its success closes the breaker, its failure opens it for
//! another period. Each change of state is logged once, not each call.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed calls in a row that open the breaker.
pub const FAILURES_TO_OPEN: u32 = 3;
/// How long an open breaker keeps calls away from the server.
pub const OPEN_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// The breaker of one server (`name`: its address without secrets, for the log).
#[derive(Debug)]
pub struct Breaker {
    name: String,
    state: Mutex<State>,
    open_for: Duration,
}

impl Breaker {
    /// A closed breaker for the server `name`.
    pub fn new(name: &str) -> Breaker {
        Breaker::with_period(name, OPEN_FOR)
    }

    /// A closed breaker that stays open for `open_for` (tests use a short one).
    pub fn with_period(name: &str, open_for: Duration) -> Breaker {
        Breaker {
            name: name.to_string(),
            state: Mutex::new(State::Closed { failures: 0 }),
            open_for,
        }
    }

    /// Whether a call may go to the server now (an open breaker whose period is over lets one
    /// trial call through).
    pub fn allow(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *s {
            State::Closed { .. } => true,
            State::HalfOpen => false,
            State::Open { until } if Instant::now() >= until => {
                *s = State::HalfOpen;
                tracing::info!(server = %self.name, "trying the inference server again");
                true
            }
            State::Open { .. } => false,
        }
    }

    /// The call succeeded.
    pub fn success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*s, State::Closed { .. }) {
            tracing::warn!(server = %self.name, "the inference server answers again: model calls go to it");
        }
        *s = State::Closed { failures: 0 };
    }

    /// The call failed with `why` (already retried as far as the caller retries).
    pub fn failure(&self, why: &str) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let open = match *s {
            State::Closed { failures } if failures + 1 < FAILURES_TO_OPEN => {
                *s = State::Closed {
                    failures: failures + 1,
                };
                false
            }
            _ => true,
        };
        if open {
            let was_open = matches!(*s, State::HalfOpen);
            *s = State::Open {
                until: Instant::now() + self.open_for,
            };
            if !was_open {
                tracing::warn!(server = %self.name, error = why, open_s = self.open_for.as_secs(), "the inference server fails: model calls run on the local model until it answers again");
            }
        }
    }

    /// Whether calls currently skip the server.
    pub fn is_open(&self) -> bool {
        !matches!(
            *self.state.lock().unwrap_or_else(|e| e.into_inner()),
            State::Closed { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_in_a_row_and_closes_after_a_successful_trial() {
        let b = Breaker::with_period("test", Duration::from_millis(30));
        for _ in 0..FAILURES_TO_OPEN - 1 {
            assert!(b.allow());
            b.failure("refused");
        }
        b.success();
        assert!(!b.is_open(), "a success resets the count");
        for _ in 0..FAILURES_TO_OPEN {
            assert!(b.allow());
            b.failure("refused");
        }
        assert!(b.is_open() && !b.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow(), "one trial after the period");
        assert!(!b.allow(), "only one");
        b.failure("still refused");
        assert!(!b.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow());
        b.success();
        assert!(!b.is_open() && b.allow());
    }
}
