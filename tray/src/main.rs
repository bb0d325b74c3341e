//! `zopilot-tray`: the Zopilot Local tray icon and menu.
//!
//! A separate process that talks to the daemon only through its localhost API (so the daemon
//! runs headless on servers and in CI, and a GUI crash cannot stop processing). The API key is
//! read from where the daemon keeps it (OS keyring, else its 0600 file) and re-read on 401,
//! so a rotation needs no restart.
//!
//! Threads: the GUI (GTK main loop on Linux, as `tray-icon` requires; the main thread on macOS
//! and Windows) and one poller that does all HTTP ([`poller`]), so the menu never blocks.

mod icon;
mod menu;
mod poller;
mod state;

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use zopilot_common::config::{Config, Settings};

/// Zopilot Local tray menu: status, Pause/Resume, folders.
#[derive(Debug, Parser)]
#[command(name = "zopilot-tray", version, about)]
struct Cli {
    /// The daemon's configuration file (default: the platform config dir's zopilot/config.toml).
    #[arg(long, env = "ZOPILOT_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let cfg = match Config::load(cli.config.as_deref(), cli.settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let _guard = zopilot_common::logging::init(Some(&cfg), None);
    match run(cfg) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(cfg: Config) -> Result<()> {
    #[cfg(target_os = "linux")]
    gtk::init().map_err(|e| anyhow::anyhow!("cannot open the display (GTK): {e}"))?;
    let (poller, updates) = poller::spawn(cfg.clone());
    menu::run_loop(&cfg, poller, updates)
}
