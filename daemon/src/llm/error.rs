//! Why a generation failed, split by who can fix it.

/// A generation failure, split by who can fix it.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The request cannot succeed on this model (HTTP 4xx).
    #[error("{0}")]
    Invalid(String),
    /// ONNX Runtime or I/O failed (HTTP 5xx).
    #[error("{0:#}")]
    Runtime(anyhow::Error),
    /// The caller's [`super::CancelToken`] stopped it.
    #[error("the generation was cancelled")]
    Cancelled,
}
