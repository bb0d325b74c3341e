//! `zopilot status`, `documents`, `show`: read the database.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::store::Store;

pub fn run(cfg: &Config) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_path())?;
    let counts = store.counts()?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    println!("database: {}", cfg.database_path().display());
    println!("drop folder: {}", cfg.drop_folder.display());
    println!("model: {}", cfg.model_dir.display());
    for (status, n) in &counts {
        println!("{status:>18}: {n}");
    }
    println!("{:>18}: {total}", "total");
    Ok(ExitCode::SUCCESS)
}

pub fn list(cfg: &Config, limit: usize) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_path())?;
    for d in store.documents(None, limit, 0)? {
        let primary = d
            .result
            .as_ref()
            .and_then(|r| r["primary_action"].as_str().map(str::to_string));
        println!(
            "{:>6}  {:<17} {:<24} {}",
            d.id,
            d.status.as_str(),
            primary.unwrap_or_else(|| d
                .error
                .clone()
                .unwrap_or_default()
                .chars()
                .take(24)
                .collect()),
            d.file_name
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(cfg: &Config, id: i64) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_path())?;
    let d = store
        .document(id)?
        .with_context(|| format!("no document {id}"))?;
    println!("{}", serde_json::to_string_pretty(&d)?);
    Ok(ExitCode::SUCCESS)
}
