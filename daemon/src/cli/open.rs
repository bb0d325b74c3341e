//! `zopilot open [--print]`: the review page in the default browser, signed in through a
//! one-time link from the running daemon (`POST /session/link`), so the API key never goes
//! into a URL, a browser history or a page.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::{CallError, Client};
use crate::config::Config;
use crate::key_store;

/// Ask the daemon for a sign-in link and open it (or print it with `print`).
///
/// Errors: no key yet, the daemon not running, or it refused the key.
pub fn run(cfg: &Config, print: bool) -> Result<ExitCode> {
    let key =
        key_store::find(cfg)?.context("no API key yet: start the daemon once (zopilot serve)")?;
    let client = Client::new(cfg.listen);
    let link = match client.post("/session/link", Some(&key.key), None) {
        Ok(v) => v,
        Err(CallError::Unreachable(_)) => bail!(
            "no daemon answers at {}: start it (zopilot serve, or zopilot service install)",
            client.base()
        ),
        Err(e) => bail!("the daemon refused a sign-in link: {e}"),
    };
    let url = link["url"]
        .as_str()
        .context("the daemon's answer has no url")?;
    if print {
        println!("{url}");
        return Ok(ExitCode::SUCCESS);
    }
    match opener::open_browser(url) {
        Ok(()) => eprintln!(
            "opened the review page (the link works once, for {} s)",
            link["expires_in"]
        ),
        Err(e) => {
            eprintln!(
                "cannot open a browser ({e}); open this link (once, within {} s):",
                link["expires_in"]
            );
            println!("{url}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
