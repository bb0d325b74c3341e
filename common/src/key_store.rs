//! Where the API key lives: the OS keyring, a private file, or the environment.
//!
//! The key is 256 random bits from the OS RNG (`rand::rngs::OsRng`), hex-encoded (64 characters).
//! Lookup order:
//! 1. `ZOPILOT_API_KEY` in the environment (at least 16 characters) — for CI and containers;
//!    it cannot be rotated by us.
//! 2. With `key_store = "auto"` or `"keyring"`: the OS keyring through the `keyring` crate v4
//!    (Secret Service over D-Bus on Linux, Keychain on macOS, Credential Manager on Windows),
//!    service `zopilot`, account = the config file's path, so two configurations on one machine
//!    have two keys. A key file left by an earlier start without a keyring is moved in (and the
//!    file deleted) the first time the keyring is reachable.
//! 3. With `"auto"`, when no keyring answers (no D-Bus session, locked collection, headless
//!    server): the file `api_key` beside the config file, mode 0600, and a warning naming why.
//!    Never an in-memory store: a key that vanished with the process would lock the backend out.
//!    With `"keyring"` that case is an error; with `"file"` the keyring is never asked.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rand::TryRngCore;
use serde::Serialize;

use crate::config::{Config, KeyStoreKind};

/// The keyring service name under which the key is stored.
pub const KEYRING_SERVICE: &str = "zopilot";

/// Where a key was found or put.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyLocation {
    /// The `ZOPILOT_API_KEY` environment variable.
    Environment,
    /// The OS keyring (service [`KEYRING_SERVICE`], this account).
    Keyring { account: String },
    /// The 0600 file; `why` says why the keyring was not used.
    File { path: PathBuf, why: String },
}

impl std::fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyLocation::Environment => write!(f, "the ZOPILOT_API_KEY environment variable"),
            KeyLocation::Keyring { account } => {
                write!(
                    f,
                    "the OS keyring (service \"{KEYRING_SERVICE}\", account \"{account}\")"
                )
            }
            KeyLocation::File { path, why } => write!(f, "the file {} ({why})", path.display()),
        }
    }
}

/// An API key and where it lives.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// 64 hex characters (or whatever `ZOPILOT_API_KEY` holds).
    pub key: String,
    pub location: KeyLocation,
}

/// The key file for the config file `config_file`: `api_key` in the same folder.
pub fn key_file(config_file: &Path) -> PathBuf {
    config_file
        .parent()
        .map(|d| d.join("api_key"))
        .unwrap_or_else(|| PathBuf::from("api_key"))
}

/// The keyring account for a configuration: its config file's path.
pub fn keyring_account(config_file: &Path) -> String {
    std::path::absolute(config_file)
        .unwrap_or_else(|_| config_file.to_path_buf())
        .display()
        .to_string()
}

/// 256 bits from the OS RNG, hex-encoded.
///
/// Errors: the OS RNG cannot be read.
pub fn generate() -> Result<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .context("reading the OS random number generator")?;
    Ok(hex::encode(bytes))
}

fn from_environment() -> Option<String> {
    std::env::var("ZOPILOT_API_KEY")
        .ok()
        .filter(|k| k.trim().len() >= 16)
        .map(|k| k.trim().to_string())
}

/// Why the keyring cannot be used, or the entry for this configuration.
fn keyring_entry(config_file: &Path) -> std::result::Result<keyring::Entry, String> {
    if let Err(e) = keyring::Entry::store_status() {
        return Err(format!("no OS keyring: {e}"));
    }
    keyring::Entry::new(KEYRING_SERVICE, &keyring_account(config_file))
        .map_err(|e| format!("no OS keyring: {e}"))
}

/// Read from the keyring: `Ok(Some)` found, `Ok(None)` reachable but empty, `Err(why)` unreachable.
fn keyring_read(config_file: &Path) -> std::result::Result<Option<String>, String> {
    let entry = keyring_entry(config_file)?;
    match entry.get_password() {
        Ok(k) if !k.trim().is_empty() => Ok(Some(k.trim().to_string())),
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(format!("the OS keyring did not answer: {e}")),
    }
}

fn keyring_write(config_file: &Path, key: &str) -> std::result::Result<(), String> {
    keyring_entry(config_file)?
        .set_password(key)
        .map_err(|e| format!("the OS keyring refused the key: {e}"))
}

fn file_read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

fn file_write(path: &Path, key: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::private_file::write(path, key.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Look the key up without creating one: `Ok(None)` when none exists yet.
///
/// Errors: `key_store = "keyring"` and the keyring is unreachable.
pub fn find(cfg: &Config) -> Result<Option<ApiKey>> {
    if let Some(key) = from_environment() {
        return Ok(Some(ApiKey {
            key,
            location: KeyLocation::Environment,
        }));
    }
    let path = key_file(&cfg.config_file);
    let account = keyring_account(&cfg.config_file);
    let why = match cfg.key_store {
        KeyStoreKind::File => "key_store = \"file\" in the configuration".to_string(),
        kind => match keyring_read(&cfg.config_file) {
            Ok(Some(key)) => {
                return Ok(Some(ApiKey {
                    key,
                    location: KeyLocation::Keyring { account },
                }))
            }
            Ok(None) => {
                // Reachable and empty: a key file from a start without a keyring moves in.
                return Ok(file_read(&path).map(|key| migrate_file(cfg, &path, key)));
            }
            Err(why) if kind == KeyStoreKind::Keyring => {
                bail!("{why} (key_store = \"keyring\"; set key_store = \"file\" to use a 0600 file instead)")
            }
            Err(why) => why,
        },
    };
    Ok(file_read(&path).map(|key| ApiKey {
        key,
        location: KeyLocation::File { path, why },
    }))
}

fn migrate_file(cfg: &Config, path: &Path, key: String) -> ApiKey {
    let account = keyring_account(&cfg.config_file);
    match keyring_write(&cfg.config_file, &key) {
        Ok(()) => {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!(file = %path.display(), error = %e, "the key is now in the OS keyring but its old file could not be removed");
            } else {
                tracing::info!(file = %path.display(), "moved the API key from its file into the OS keyring");
            }
            ApiKey {
                key,
                location: KeyLocation::Keyring { account },
            }
        }
        Err(why) => ApiKey {
            key,
            location: KeyLocation::File {
                path: path.to_path_buf(),
                why,
            },
        },
    }
}

/// The key, generated and stored on first use. Warns when it had to use the file.
///
/// Errors: the OS RNG or the key file cannot be used, or `key_store = "keyring"` and the keyring
/// is unreachable.
pub fn load_or_create(cfg: &Config) -> Result<ApiKey> {
    let found = match find(cfg)? {
        Some(k) => k,
        None => store_new(cfg, generate()?)?,
    };
    if let KeyLocation::File { path, why } = &found.location {
        tracing::warn!(file = %path.display(), why = %why, "the API key is kept in a 0600 file, not in the OS keyring");
    }
    Ok(found)
}

/// Replace the key with a new random one and return it.
///
/// Errors: the key comes from `ZOPILOT_API_KEY` (rotate it there), or it cannot be stored.
pub fn rotate(cfg: &Config) -> Result<ApiKey> {
    if from_environment().is_some() {
        bail!("the API key comes from ZOPILOT_API_KEY; change it there");
    }
    let key = store_new(cfg, generate()?)?;
    tracing::info!(location = %key.location, "rotated the API key");
    Ok(key)
}

/// Store `key` where this configuration keeps keys (keyring first unless `key_store = "file"`).
fn store_new(cfg: &Config, key: String) -> Result<ApiKey> {
    let path = key_file(&cfg.config_file);
    let why = match cfg.key_store {
        KeyStoreKind::File => "key_store = \"file\" in the configuration".to_string(),
        kind => match keyring_write(&cfg.config_file, &key) {
            Ok(()) => {
                // A stale file would be read by a later start without a keyring: remove it.
                let _ = std::fs::remove_file(&path);
                return Ok(ApiKey {
                    key,
                    location: KeyLocation::Keyring {
                        account: keyring_account(&cfg.config_file),
                    },
                });
            }
            Err(why) if kind == KeyStoreKind::Keyring => bail!("{why} (key_store = \"keyring\")"),
            Err(why) => why,
        },
    };
    file_write(&path, &key)?;
    Ok(ApiKey {
        key,
        location: KeyLocation::File { path, why },
    })
}

/// Whether the OS keyring answers, and if not why (for `zopilot doctor`).
pub fn keyring_reachable(cfg: &Config) -> std::result::Result<(), String> {
    keyring_read(&cfg.config_file).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn config(dir: &Path, kind: KeyStoreKind) -> Config {
        let s = Settings {
            data_dir: Some(dir.join("data")),
            key_store: Some(kind),
            ..Default::default()
        };
        Config::load(Some(&dir.join("config/config.toml")), s).unwrap()
    }

    #[test]
    fn file_store_creates_a_private_256_bit_key_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), KeyStoreKind::File);
        let k1 = load_or_create(&cfg).unwrap();
        assert_eq!(k1.key.len(), 64);
        assert!(k1.key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(matches!(k1.location, KeyLocation::File { .. }));
        assert_eq!(load_or_create(&cfg).unwrap().key, k1.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_file(&cfg.config_file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let k2 = rotate(&cfg).unwrap();
        assert_ne!(k2.key, k1.key);
        assert_eq!(find(&cfg).unwrap().unwrap().key, k2.key);
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(generate().unwrap(), generate().unwrap());
    }
}
