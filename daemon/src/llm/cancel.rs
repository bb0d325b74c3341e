//! Cancellation of a model request: a shared flag the caller sets and the engine checks before
//! a request starts and at every forward pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag a caller sets to stop its request (shared with the engine thread).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A fresh, unset token.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    /// Ask the request to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
