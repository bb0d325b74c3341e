//! A file's content identity: its SHA-256 (hex) and size, read in 64 KiB blocks (FIPS 180-4
//! through the `sha2` crate). The queue keys documents by it; the checksum pipeline compares it.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// SHA-256 of the file at `path` (64 lower-case hex characters) and its size in bytes.
///
/// Errors: the file cannot be opened or read.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}
