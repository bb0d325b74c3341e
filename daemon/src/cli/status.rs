//! `zopilot status`, `documents`, `show`: read the database.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::store::{control, Store};

pub fn run(cfg: &Config) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    let s = control::summary(&*store)?;
    match &cfg.database_url {
        Some(url) => println!("database: {}", crate::store::postgres::redact(url)),
        None => println!("database: {}", cfg.database_path().display()),
    }
    println!("model: {}", cfg.model_dir.display());
    println!(
        "processing: {}",
        if s["paused"] == true {
            "PAUSED (zopilot resume)"
        } else {
            "running"
        }
    );
    for k in [
        "queued",
        "running",
        "done",
        "failed",
        "dead",
        "duplicate",
        "total",
    ] {
        println!("{k:>10}: {}", s[k]);
    }
    for (source, counts) in s["by_source"].as_object().into_iter().flatten() {
        let parts: Vec<String> = counts
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("{source:>14}: {}", parts.join(", "));
    }
    for c in s["current"].as_array().into_iter().flatten() {
        println!(
            "processing: document {} ({}) on {}",
            c["id"],
            c["file"].as_str().unwrap_or(""),
            c["machine"].as_str().unwrap_or("?")
        );
    }
    for m in s["moves_blocked"].as_array().into_iter().flatten() {
        println!(
            "move blocked: document {} ({}): {}",
            m["id"],
            m["file"].as_str().unwrap_or(""),
            m["error"].as_str().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zopilot pause` / `resume`: flip the persisted switch; a running daemon picks it up within a
/// second.
pub fn set_paused(cfg: &Config, paused: bool) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    store.set_paused(paused)?;
    println!("{}", if paused { "paused" } else { "resumed" });
    Ok(ExitCode::SUCCESS)
}

/// `zopilot retry ID`: queue a finished (failed, dead, duplicate or done) document again.
pub fn retry(cfg: &Config, id: i64) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    if store.requeue(id)? {
        println!("document {id} queued again");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("document {id} does not exist or is being processed");
        Ok(ExitCode::from(1))
    }
}

/// `zopilot sources`: what is watched and how, and the symbolic links in each folder that
/// watching skips (with their targets).
pub fn sources(cfg: &Config) -> Result<ExitCode> {
    for s in crate::watch::sources::configured(cfg) {
        println!(
            "{:<12} {:<8} {}{}  ({})",
            s.name,
            format!("{:?}", s.method).to_lowercase(),
            s.path.display(),
            if s.present {
                ""
            } else {
                "  [missing: create it to watch it]"
            },
            s.why
        );
        for (link, target) in crate::watch::scan::links(&s.path) {
            println!(
                "  skipped link (links are not followed): {} -> {}",
                link.display(),
                target.map_or("?".into(), |t| t.display().to_string())
            );
        }
    }
    if !cfg.watch_drive {
        println!("google_drive  off (watch_drive = false)");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(cfg: &Config, limit: usize) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
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
    let store = Store::open_configured(cfg)?;
    let d = store
        .document(id)?
        .with_context(|| format!("no document {id}"))?;
    println!("{}", serde_json::to_string_pretty(&d)?);
    Ok(ExitCode::SUCCESS)
}
