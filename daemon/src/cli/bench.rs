//! `zopilot bench …`
use crate::config::Config;
use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    Pipeline,
}
pub fn run(_cfg: &Config, _b: BenchCommand) -> Result<ExitCode> {
    anyhow::bail!("bench: not built yet")
}
