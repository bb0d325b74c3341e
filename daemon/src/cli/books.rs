//! `zopilot books import|list|show|clear` — the business's own lists (chart of accounts,
//! vendors, customers, items) and transaction history from its accounting software's exports —
//! and `zopilot rates import|show`. The business is the configured profile's (`--business
//! FILE`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::config::Config;
use crate::pipeline::profile::BusinessProfile;
use crate::store::books::{business_key, BookList};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum BooksCommand {
    /// Import a list export (QuickBooks Online CSV/XLSX lists, QuickBooks IIF, Zoho Books
    /// exports, or the plain template) or a transaction history (QuickBooks Online Transaction
    /// Detail by Account / Transaction List by Vendor, Zoho Books bills or expenses, IIF
    /// transactions, the history template): list rows are added or updated in place, posted
    /// lines already imported are not added again; a bad row fails the whole file and changes
    /// nothing.
    Import { file: PathBuf },
    /// How many accounts, vendors, customers, items and posted lines (history) each business
    /// has.
    List,
    /// Print one list (accounts, vendors, customers, items, history) of the business as JSON.
    Show { list: String },
    /// Delete one list of the business (or its history), or all of them.
    Clear { list: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// Import exchange rates: the ECB reference-rates CSV (eurofxref-hist.csv) or
    /// `date,currency,rate[,base]`; a bad row fails the whole file and changes nothing.
    Import { file: PathBuf },
    /// The rates stored for CURRENCY over the last DAYS days before DATE (default today).
    Show {
        currency: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long, default_value_t = 7)]
        days: i64,
    },
}

fn business(cfg: &Config) -> Result<(BusinessProfile, String)> {
    let p = BusinessProfile::from_config(cfg)
        .context("the books belong to a business: pass --business PROFILE")?;
    let key = business_key(&p.name);
    Ok((p, key))
}

/// Whether `list` names the transaction history.
fn is_history(list: &str) -> bool {
    matches!(
        list.trim().to_ascii_lowercase().as_str(),
        "history" | "transactions"
    )
}

pub fn run(cfg: &Config, cmd: BooksCommand) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    match cmd {
        BooksCommand::Import { file } => {
            let (p, key) = business(cfg)?;
            let export = crate::books::read_export(&file)?;
            let source = format!(
                "{} {}",
                export.format,
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let history = !export.history.is_empty();
            let n = if history {
                store.import_history(&key, &export.history, &source)?
            } else {
                store.import_books(&key, &export.entries, &source)?
            };
            let counts = if history {
                format!(
                    "posted lines: {} added, {} already there",
                    n.added, n.updated
                )
            } else {
                format!("{} added, {} updated", n.added, n.updated)
            };
            eprintln!(
                "{}: read as {}; {counts} for {}",
                file.display(),
                export.format,
                p.name
            );
            println!(
                "{}",
                serde_json::json!({"business": key, "format": export.format,
                "history": history, "added": n.added, "updated": n.updated})
            );
        }
        BooksCommand::List => {
            for (b, list, n) in store.book_counts()? {
                println!("{b}\t{list}\t{n}");
            }
        }
        BooksCommand::Show { list } if is_history(&list) => {
            let (_, key) = business(cfg)?;
            let mut lines = Vec::new();
            let mut parties: Vec<String> = store
                .history_counterparties(&key)?
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            parties.dedup();
            for party in parties {
                lines.extend(store.history_of(&key, &party)?);
            }
            println!("{}", serde_json::to_string_pretty(&lines)?);
        }
        BooksCommand::Show { list } => {
            let (_, key) = business(cfg)?;
            let l = BookList::parse(&list)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&store.book_entries(&key, Some(l))?)?
            );
        }
        BooksCommand::Clear { list } => {
            let (p, key) = business(cfg)?;
            let n = match list.as_deref() {
                Some(l) if is_history(l) => store.clear_history(&key)?,
                Some(l) => store.clear_books(&key, Some(BookList::parse(l)?))?,
                None => store.clear_books(&key, None)? + store.clear_history(&key)?,
            };
            eprintln!("{n} entries deleted from {}'s books", p.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn rates(cfg: &Config, cmd: RatesCommand) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    match cmd {
        RatesCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let rates =
                crate::books::rates::read(&text).with_context(|| format!("{}", file.display()))?;
            let source = file.file_name().unwrap_or_default().to_string_lossy();
            let n = store.import_rates(&rates, &source)?;
            let days: std::collections::BTreeSet<&str> =
                rates.iter().map(|r| r.day.as_str()).collect();
            eprintln!(
                "{n} rates imported ({} days, {} to {})",
                days.len(),
                days.first().unwrap_or(&"-"),
                days.last().unwrap_or(&"-")
            );
        }
        RatesCommand::Show {
            currency,
            date,
            days,
        } => {
            let to = date.unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string());
            let day = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
                .context("--date is YYYY-MM-DD")?;
            let from = (day - chrono::Duration::days(days))
                .format("%Y-%m-%d")
                .to_string();
            let cur = currency.to_uppercase();
            println!(
                "{}",
                serde_json::to_string_pretty(&store.rates_between(&[&cur], &from, &to)?)?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `zopilot approve ID [--set key=value …]`.
pub fn approve(cfg: &Config, id: i64, sets: &[String]) -> Result<ExitCode> {
    let store = Store::open_configured(cfg)?;
    let doc = store
        .document(id)?
        .with_context(|| format!("no document {id}"))?;
    let approval = crate::pipeline::memory::approve(&*store, &doc, sets)?;
    eprintln!(
        "document {id} approved; {} remembered ({} approved document(s))",
        approval["counterparty"].as_str().unwrap_or("?"),
        approval["approvals_of_counterparty"]
    );
    println!("{}", serde_json::to_string_pretty(&approval)?);
    Ok(ExitCode::SUCCESS)
}
