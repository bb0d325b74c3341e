//! `zopilot key show|rotate`: the API key the backend, the tray and scripts present.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use crate::client::{CallError, Client};
use crate::config::Config;
use crate::key_store;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the key on stdout (creating it on first use) and where it lives on stderr.
    Show,
    /// Replace the key with a new random one. A running daemon switches at once (the old key
    /// gets 401); otherwise the store is updated for the next start.
    Rotate {
        /// Also print the new key on stdout.
        #[arg(long)]
        print: bool,
    },
}

pub fn run(cfg: &Config, cmd: KeyCommand) -> Result<ExitCode> {
    match cmd {
        KeyCommand::Show => {
            let k = key_store::load_or_create(cfg)?;
            eprintln!("stored in {}", k.location);
            println!("{}", k.key);
        }
        KeyCommand::Rotate { print } => {
            let new = rotate(cfg)?;
            eprintln!("rotated; the new key is in {}", new.location);
            if print {
                println!("{}", new.key);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Through the running daemon when one answers (so it drops the old key at once), else directly.
fn rotate(cfg: &Config) -> Result<key_store::ApiKey> {
    let client = Client::new(cfg.listen);
    let old = key_store::find(cfg)?;
    if let Some(old) = &old {
        match client.post("/key/rotate", Some(&old.key), None) {
            Ok(_) => {
                return key_store::find(cfg)?
                    .context("the daemon rotated the key but it cannot be read back");
            }
            Err(CallError::Unreachable(_)) => {}
            Err(CallError::Unauthorized) => bail!(
                "a daemon at {} refused the stored key: is it running with another configuration?",
                client.base()
            ),
            Err(e) => bail!("the daemon could not rotate the key: {e}"),
        }
    }
    key_store::rotate(cfg)
}
