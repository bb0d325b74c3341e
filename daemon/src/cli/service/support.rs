//! What the per-OS service files share: the binaries they start, writing a file, running a
//! command.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::config::Config;

/// The binaries the entries start.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub daemon: PathBuf,
    /// `None` when `zopilot-tray` is not beside `zopilot`.
    pub tray: Option<PathBuf>,
    /// `--config` to pass, when not the default config file.
    pub config: Option<PathBuf>,
}

impl Binaries {
    /// The running binary and its sibling `zopilot-tray`.
    pub fn current(cfg: &Config) -> Result<Binaries> {
        let daemon = std::env::current_exe().context("locating the zopilot binary")?;
        let tray = daemon.with_file_name(format!("zopilot-tray{}", std::env::consts::EXE_SUFFIX));
        let config = (cfg.config_file != crate::config::default_config_file())
            .then(|| std::path::absolute(&cfg.config_file).unwrap_or(cfg.config_file.clone()));
        Ok(Binaries {
            daemon,
            tray: tray.is_file().then_some(tray),
            config,
        })
    }
}

pub(super) fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Run a command; `Err(message)` with its stderr when it cannot start or fails.
pub(super) fn sh(program: &str, args: &[&str]) -> std::result::Result<String, String> {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

#[cfg(test)]
pub(super) fn sample_bins(config: Option<&str>) -> Binaries {
    Binaries {
        daemon: PathBuf::from("/opt/my apps/zopilot"),
        tray: Some(PathBuf::from("/opt/my apps/zopilot-tray")),
        config: config.map(PathBuf::from),
    }
}
