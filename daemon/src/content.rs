//! A file's content identity: its SHA-256 (hex) and size, read in 64 KiB blocks (FIPS 180-4
//! through the `sha2` crate). The queue keys documents by it; the checksum pipeline compares it.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// SHA-256 of the file at `path` (64 lower-case hex characters) and its size in bytes. A
/// symbolic link at `path` is not followed (`O_NOFOLLOW`).
///
/// Errors: the file cannot be opened (a link among them) or read.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NOFOLLOW);
    let f = o
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    hash_reader(f).with_context(|| format!("reading {}", path.display()))
}

/// SHA-256 (hex) and length of everything `r` yields.
///
/// Errors: a read fails.
pub fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}
