//! `zopilot serve`: the daemon in the foreground ([`crate::daemon::run`]) for the configured
//! business profile, until SIGINT or SIGTERM.

use std::process::ExitCode;

use anyhow::Result;

use crate::config::Config;

pub fn run(cfg: Config) -> Result<ExitCode> {
    let profile = crate::pipeline::profile::BusinessProfile::from_config(&cfg)?;
    // A broken rules file stops the start with its reason, not every document later.
    if let Some(f) = &profile.rules_file {
        crate::pipeline::rules::load(f)?;
    }
    crate::daemon::run(cfg, profile)?;
    Ok(ExitCode::SUCCESS)
}
