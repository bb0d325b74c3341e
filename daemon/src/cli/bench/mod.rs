//! `zopilot bench …`: benchmarks that print figures — [`pipeline`] (accuracy and speed over a
//! labelled corpus), [`judge`] (the model's line-account choices over labelled lines), [`engine`] (prefill/decode tokens/s per prompt length, cold and warm; [`scoring`] of a
//! judgment's options),
//! [`import`] (import time, memory, decode speed), [`extract`] (header-field
//! accuracy, seconds per page), [`queue`] (enqueue throughput, watcher latency), [`hostile`]
//! (peak memory of extraction on the robustness probe's hostile files, child-process overhead),
//! [`replay`] (documents in date order, each approved after it is processed, from a transaction
//! history: the classified share and how many are right, first document of a vendor vs later).

mod daemons;
mod engine;
mod extract;
pub mod hostile;
mod hostile_run;
mod import;
mod judge;
mod pipeline;
mod queue;
mod recall;
mod replay;
mod replay_items;
mod score;
mod scoring;
mod scratch;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The whole pipeline over a labelled corpus.
    Pipeline {
        /// Folder with labels.json (e.g. ../shared/corpus).
        #[arg(long)]
        corpus: PathBuf,
        /// Only documents whose file path contains this string.
        #[arg(long)]
        only: Option<String>,
        /// Only the documents of this half of a split set (`dev` or `test`: the labels' `split`).
        #[arg(long)]
        split: Option<String>,
        /// Also write every stored row to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// A labelled corpus replayed in date order as an accountant meets it: a transaction history
    /// imported into each business's books first, each document processed then approved with
    /// its labels; the classified share and how many classified ones are right, for the first
    /// document of a vendor and the later ones.
    Replay {
        /// Folder with labels.json (tests/evalset, ~/.cache/zopilot/realset/docs).
        #[arg(long)]
        corpus: PathBuf,
        /// A transaction history export (any format `books import` reads as history).
        #[arg(long)]
        history: PathBuf,
        /// Line accounts of documents whose labels have none: JSON `{"<file>": "Account"}` or
        /// `{"<file>": ["Account of line 1", …]}` (tests/realset/replay_accounts.json).
        #[arg(long)]
        accounts: Option<PathBuf>,
        /// Only documents whose file path contains this string.
        #[arg(long)]
        only: Option<String>,
        /// Also write every stored row (label, position, right) to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The model's line-account judgment over labelled purchase lines, all expense accounts
    /// as options: accuracy, seconds and prefix-cache tokens per judgment.
    Judge {
        /// A corpus folder whose labels.json has purchase lines with accounts (tests/evalset).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// A labelled-lines file (tests/evalset/line_accounts.json).
        #[arg(long)]
        lines: Option<PathBuf>,
    },
    /// Import packaged models (time, peak memory) and compare decode speed with a reference export.
    Import {
        /// Packaged model aliases (default: all of `zopilot models list`).
        aliases: Vec<String>,
        /// `ALIAS=DIR`: a builder-made export of that packaged model to compare decode speed with,
        /// e.g. `smollm2-135m-instruct=../shared/reference/smollm2-135m-instruct/onnx-int4`.
        #[arg(long)]
        reference: Option<String>,
        /// Tokens to decode per measurement.
        #[arg(long, default_value_t = 64)]
        tokens: usize,
    },
    /// Prefill and decode speed of one model folder per prompt length, cold and with the prefix
    /// cached (`models/bench/genai_compare.py` runs this beside onnxruntime-genai).
    Engine {
        /// The model folder (genai layout), e.g. ../shared/reference/smollm2-135m-instruct/onnx-int4.
        #[arg(long)]
        model: PathBuf,
        /// Prompt lengths in tokens, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "512,2048,6000")]
        context: Vec<usize>,
        /// Prompt tokens after the cached prefix in the warm measurement (at most half the prompt).
        #[arg(long, default_value_t = 600)]
        rest: usize,
        /// Greedy tokens decoded after each prompt.
        #[arg(long, default_value_t = 64)]
        decode: usize,
        /// Rounds (medians are printed).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Tokens per prefill pass (default: the engine's, 2,048 on graphs with
        /// `logits_to_keep`, else 512).
        #[arg(long)]
        prefill_chunk: Option<usize>,
        /// Also write the rows (with the prompt ids) to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Skip the option-scoring measurement (one judgment scored one option per pass and
        /// batched).
        #[arg(long)]
        no_scoring: bool,
    },
    /// Field accuracy of extraction against `fields/*.json` (header fields: dates equal, amounts
    /// within 0.01, strings equal after whitespace and case normalization), per document and
    /// per folder, with seconds per page of the text path and of the OCR path.
    Extract {
        /// The corpus folder (`pdf/`, `img/`, `scanpdf/`, `fields/`).
        #[arg(long)]
        corpus: PathBuf,
        /// Only documents whose name contains this.
        #[arg(long)]
        only: Option<String>,
    },
    /// Extraction of the hostile files of the robustness probe (made in a scratch folder): for
    /// each, the outcome, the extraction child's peak RSS and wall time, and this process's
    /// peak RSS; then the child-process overhead on FILE (in-process vs child, medians).
    Hostile {
        /// A normal document to measure the per-document overhead of the child process on.
        #[arg(long)]
        sample: Option<PathBuf>,
        /// Runs per overhead measurement.
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Write the files here and keep them (default: a scratch folder, removed after).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Enqueue throughput (docs/s, one transaction per file and batched as the watcher does)
    /// and watcher readiness latency after the last write (p50/p99) with the configured
    /// stability window. With `--database postgres://…`: several daemons sharing that server's
    /// queue and one drop folder instead (documents/s per daemon count, lost and duplicated
    /// documents under `kill -9`).
    Queue {
        /// Files for the throughput measurement (or dropped for the daemons).
        #[arg(long, default_value_t = 2000)]
        files: usize,
        /// Files written into a watched folder for the latency measurement.
        #[arg(long, default_value_t = 60)]
        watched: usize,
        /// A PostgreSQL server (`postgres://user:password@host:port/db`, a role that may create
        /// databases): run several daemons on a fresh database there.
        #[arg(long)]
        database: Option<String>,
        /// Daemon counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
        daemons: Vec<usize>,
        /// `kill -9` of a random daemon (restarted at once) per run, spread over it.
        #[arg(long, default_value_t = 0)]
        kills: usize,
        /// Simulated time of each document in the checksum pipeline (ms).
        #[arg(long, default_value_t = 100)]
        stage_ms: u64,
    },
}

pub fn run(cfg: &Config, cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Pipeline {
            corpus,
            only,
            split,
            json,
        } => pipeline::run(
            cfg,
            &corpus,
            pipeline::Select {
                only: only.as_deref(),
                split: split.as_deref(),
            },
            json.as_deref(),
        ),
        BenchCommand::Replay {
            corpus,
            history,
            accounts,
            only,
            json,
        } => replay::run(
            cfg,
            replay::Replay {
                corpus: &corpus,
                history: &history,
                accounts: accounts.as_deref(),
                only: only.as_deref(),
                json: json.as_deref(),
            },
        ),
        BenchCommand::Judge { corpus, lines } => {
            judge::run(cfg, corpus.as_deref(), lines.as_deref())
        }
        BenchCommand::Import {
            aliases,
            reference,
            tokens,
        } => import::run(cfg, aliases, reference.as_deref(), tokens),
        BenchCommand::Engine {
            model,
            context,
            rest,
            decode,
            rounds,
            prefill_chunk,
            json,
            no_scoring,
        } => engine::run(
            cfg,
            engine::Options {
                model: &model,
                contexts: context,
                rest,
                decode,
                rounds: rounds.max(1),
                prefill_chunk,
                json: json.as_deref(),
                scoring: !no_scoring,
            },
        ),
        q @ BenchCommand::Queue { .. } => queue_bench(cfg, q),
        BenchCommand::Extract { corpus, only } => extract::run(cfg, &corpus, only.as_deref()),
        BenchCommand::Hostile { sample, runs, dir } => {
            hostile_run::run(cfg, sample.as_deref(), runs, dir.as_deref())
        }
    }
}

/// `bench queue`: the several-daemons run with `--database`, else enqueue throughput and watcher
/// latency.
fn queue_bench(cfg: &Config, cmd: BenchCommand) -> Result<ExitCode> {
    let BenchCommand::Queue {
        files,
        watched,
        database,
        daemons: counts,
        kills,
        stage_ms,
    } = cmd
    else {
        unreachable!("queue_bench takes the queue command")
    };
    match database {
        Some(url) => daemons::run(
            cfg,
            &daemons::Run {
                url: &url,
                daemons: &counts,
                files,
                kills,
                stage_ms,
            },
        ),
        None => queue::run(cfg, files, watched),
    }
}
