//! The prefix KV cache on disk: a cached prefix's keys and values written to the data folder so
//! that a restart (or a model reload) does not prefill the system prompts again.
//!
//! A prefix is written when it is used a second time (a hit in the memory cache), so one-off
//! prompts — a chat's ever-longer history — never reach the disk. One file per prefix,
//! `<dir>/<hex SHA-256 of (model key, token ids)>.kv`; the model key is the
//! SHA-256 of the model folder's `genai_config.json`, its graph file and its weights file's length
//! and modification time, so a re-imported or changed model never meets another model's KV.
//! Format (little-endian): `ZPKV` + version byte 1, a `u32` header length, the header as JSON
//! (token count, layers, KV heads, head size, float16), the token ids as `u32`s (compared on load:
//! a hash collision cannot slip through), then the KV bytes in [`KvCache::to_bytes`]' order.
//! Files are written to a temporary name and renamed, so a crash leaves no half file; one that
//! does not read back (truncated, another geometry) is removed and the prefix computed again. The
//! files' total size stays within a byte budget, the least recently used (modification time,
//! refreshed on every hit) removed first. Host (CPU execution provider) caches only.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::kv_cache::KvCache;

const MAGIC: &[u8; 5] = b"ZPKV\x01";

/// Prefixes shorter than this are not written (they prefill faster than they load).
pub const MIN_TOKENS: usize = 128;

/// A folder of prefix KV files for one model.
pub struct PrefixStore {
    dir: PathBuf,
    budget_bytes: u64,
    model_key: [u8; 32],
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Header {
    tokens: usize,
    layers: usize,
    kv_heads: usize,
    head_size: usize,
    f16: bool,
}

impl PrefixStore {
    /// The store in `dir` (created) for the model folder `model_dir`, holding at most
    /// `budget_bytes`.
    ///
    /// Errors: the folder cannot be created, or the model's files cannot be read.
    pub fn open(dir: &Path, budget_bytes: u64, model_dir: &Path, graph: &str) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut h = Sha256::new();
        h.update(std::fs::read(model_dir.join("genai_config.json")).unwrap_or_default());
        h.update(
            std::fs::read(model_dir.join(graph))
                .with_context(|| format!("reading {}", model_dir.join(graph).display()))?,
        );
        if let Ok(m) = std::fs::metadata(model_dir.join(format!("{graph}.data"))) {
            h.update(m.len().to_le_bytes());
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok());
            h.update(t.map(|d| d.as_nanos()).unwrap_or(0).to_le_bytes());
        }
        Ok(PrefixStore {
            dir: dir.to_path_buf(),
            budget_bytes,
            model_key: h.finalize().into(),
        })
    }

    fn path(&self, tokens: &[u32]) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.model_key);
        for t in tokens {
            h.update(t.to_le_bytes());
        }
        self.dir.join(format!("{}.kv", hex::encode(h.finalize())))
    }

    /// Fill the empty `cache` with the stored KV of `tokens`: `Ok(false)` when there is none
    /// (or it did not read back, in which case the file is removed).
    pub fn load(&self, tokens: &[u32], cache: &mut KvCache) -> Result<bool> {
        let path = self.path(tokens);
        let Ok(mut f) = std::fs::File::open(&path) else {
            return Ok(false);
        };
        match read_into(&mut f, tokens, cache) {
            Ok(()) => {
                let _ = f.set_modified(SystemTime::now());
                Ok(true)
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), "unusable prefix KV file removed: {e:#}");
                let _ = std::fs::remove_file(&path);
                Ok(false)
            }
        }
    }

    /// Write `cache` (holding exactly `tokens`) unless it is already stored or larger than the
    /// budget, then remove the least recently used files until the budget holds.
    ///
    /// Errors: the file cannot be written (disk full, permissions).
    pub fn save(&self, tokens: &[u32], cache: &KvCache) -> Result<()> {
        let path = self.path(tokens);
        let bytes = cache.geometry().bytes(tokens.len()) as u64;
        if path.exists() || tokens.len() < MIN_TOKENS || bytes > self.budget_bytes {
            return Ok(());
        }
        let g = cache.geometry();
        let header = serde_json::to_vec(&Header {
            tokens: tokens.len(),
            layers: g.layers,
            kv_heads: g.kv_heads,
            head_size: g.head_size,
            f16: g.f16,
        })?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> Result<()> {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            f.write_all(MAGIC)?;
            f.write_all(&(header.len() as u32).to_le_bytes())?;
            f.write_all(&header)?;
            for t in tokens {
                f.write_all(&t.to_le_bytes())?;
            }
            f.write_all(&cache.to_bytes()?)?;
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            Ok(())
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context(format!("writing {}", path.display())));
        }
        self.evict();
        Ok(())
    }

    /// Remove the least recently used `.kv` files until the total is within the budget.
    fn evict(&self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = rd
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "kv"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((m.modified().ok()?, m.len(), e.path()))
            })
            .collect();
        files.sort();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        for (_, len, path) in files {
            if total <= self.budget_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// Bytes of the stored files.
    pub fn bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "kv"))
                    .filter_map(|e| e.metadata().ok().map(|m| m.len()))
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Read one file's header, tokens and KV into `cache`, checking each against what is expected.
fn read_into(f: &mut std::fs::File, tokens: &[u32], cache: &mut KvCache) -> Result<()> {
    let mut magic = [0u8; 5];
    f.read_exact(&mut magic)?;
    if &magic != MAGIC {
        bail!("not a prefix KV file");
    }
    let mut len = [0u8; 4];
    f.read_exact(&mut len)?;
    let n = u32::from_le_bytes(len) as usize;
    if n > 4096 {
        bail!("header too long");
    }
    let mut header = vec![0u8; n];
    f.read_exact(&mut header)?;
    let header: Header = serde_json::from_slice(&header)?;
    let g = cache.geometry();
    let want = Header {
        tokens: tokens.len(),
        layers: g.layers,
        kv_heads: g.kv_heads,
        head_size: g.head_size,
        f16: g.f16,
    };
    if header != want {
        bail!("made for another geometry or prefix: {header:?}");
    }
    let mut ids = vec![0u8; 4 * tokens.len()];
    f.read_exact(&mut ids)?;
    if ids
        .chunks_exact(4)
        .zip(tokens)
        .any(|(b, &t)| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) != t)
    {
        bail!("the stored tokens differ (hash collision)");
    }
    let mut kv = Vec::with_capacity(g.bytes(tokens.len()));
    f.read_to_end(&mut kv)?;
    cache.load_bytes(&kv, tokens.len())
}
