//! Reading an original: opened through [`crate::no_follow`] (no symbolic link anywhere on its
//! path is followed), its size checked on the open file before a byte is read.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// The bytes of the file at `path`, refused over `max_file_bytes`.
///
/// Errors: a symbolic link on the way or at the file ("… is a symbolic link: links are not
/// followed"), not a regular file, too large, or unreadable — each a sentence.
pub fn read(path: &Path, max_file_bytes: u64) -> Result<Vec<u8>> {
    let f =
        crate::no_follow::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let len = f.metadata()?.len();
    if len > max_file_bytes {
        bail!(
            "the file is {len} bytes, above the limit of {max_file_bytes} bytes (max_file_bytes)"
        );
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > max_file_bytes {
        bail!("the file grew above the limit of {max_file_bytes} bytes (max_file_bytes) while it was read");
    }
    Ok(bytes)
}
