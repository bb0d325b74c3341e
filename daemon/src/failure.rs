//! The one distinction every layer makes about an error: [`Transient`] (worth retrying — the
//! model or OCR could not be loaded, the runtime failed, a stage panicked) versus everything
//! else, a problem with the document itself that retrying cannot fix.

/// A failure worth retrying.
#[derive(Debug)]
pub struct Transient(pub String);

impl std::fmt::Display for Transient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Transient {}

/// True when `e` (or anything in its chain) is [`Transient`].
pub fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<Transient>().is_some())
}

/// `anyhow` error carrying a [`Transient`] with `message`.
pub fn transient(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Transient(message.into()))
}
