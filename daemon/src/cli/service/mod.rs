//! `zopilot service install|uninstall|status`: start the daemon (and the tray) at login, per
//! user — never as a system service, because the daemon must see the user's Drive folder and
//! keyring.
//!
//! - Linux: a systemd user unit (`~/.config/systemd/user/zopilot.service`, enabled through the
//!   `default.target.wants` link `systemctl --user enable` makes, then started) and an XDG
//!   autostart entry for the tray (`~/.config/autostart/zopilot-tray.desktop`,
//!   <https://specifications.freedesktop.org/autostart-spec/latest/>).
//! - macOS: LaunchAgents `com.zopilot.daemon` / `com.zopilot.tray` in `~/Library/LaunchAgents`,
//!   loaded with `launchctl bootstrap gui/<uid>`.
//! - Windows: `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` values (as
//!   installer/windows/install.ps1 writes them).
//!
//! The templates are the files in `installer/`; the program paths in them are rewritten to the
//! running binary's folder, and a non-default `--config` is passed on.
//!
//! One file per service manager: [`systemd`], [`launchd`], [`windows`].

mod launchd;
mod support;
mod systemd;
mod windows;

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Start at login (and now): daemon and tray.
    Install,
    /// Stop starting at login, stop the running daemon, remove the entries.
    Uninstall,
    /// Whether the entries are installed, enabled and running.
    Status,
}

pub fn run(cfg: &Config, cmd: ServiceCommand) -> Result<ExitCode> {
    if matches!(cmd, ServiceCommand::Install) {
        warn_about_session_settings(cfg);
    }
    match (std::env::consts::OS, cmd) {
        ("linux", ServiceCommand::Install) => systemd::install(cfg),
        ("linux", ServiceCommand::Uninstall) => systemd::uninstall(),
        ("linux", ServiceCommand::Status) => systemd::status(cfg),
        ("macos", ServiceCommand::Install) => launchd::install(cfg),
        ("macos", ServiceCommand::Uninstall) => launchd::uninstall(),
        ("macos", ServiceCommand::Status) => launchd::status(),
        ("windows", ServiceCommand::Install) => windows::install(cfg),
        ("windows", ServiceCommand::Uninstall) => windows::uninstall(),
        ("windows", ServiceCommand::Status) => windows::status(),
        (os, _) => bail!(
            "no per-user service support on {os}: run `zopilot serve` from your session's start-up"
        ),
    }
}

/// The service starts with the config file only: say so when this shell's settings would be lost.
fn warn_about_session_settings(cfg: &Config) {
    let env: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("ZOPILOT_") && k != "ZOPILOT_CONFIG")
        .collect();
    if !env.is_empty() {
        println!(
            "note: the service reads only {}; these environment settings are not carried over: {}",
            cfg.config_file.display(),
            env.join(", ")
        );
    }
    if cfg.business_profile.is_none() {
        println!(
            "warning: no business_profile in {}: the daemon will not start until one is set (zopilot doctor)",
            cfg.config_file.display()
        );
    }
}
