//! Configuration: defaults ← TOML file ← `ZOPILOT_*` environment ← command-line flags.
//!
//! The file lives in the platform config dir (`$XDG_CONFIG_HOME/zopilot/config.toml` on Linux,
//! `~/Library/Application Support/zopilot/config.toml` on macOS, `%APPDATA%\zopilot\config\config.toml`
//! on Windows) unless `--config` / `ZOPILOT_CONFIG` names another. Every key of the file is also a flag
//! and an environment variable (clap reads both; a flag wins over the environment, which wins over the file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::{Deserialize, Serialize};

/// Which ONNX Runtime execution provider runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionProvider {
    /// The default CPU execution provider (MLAS kernels).
    #[default]
    Cpu,
    /// The CUDA execution provider (needs the `onnxruntime-gpu` build, CUDA 13 and cuDNN 9).
    Cuda,
}

/// How folders are watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// OS events (inotify, FSEvents, ReadDirectoryChangesW), polling on network and FUSE mounts.
    #[default]
    Auto,
    /// OS events everywhere.
    Events,
    /// Polling everywhere (every `poll_interval_ms`).
    Poll,
}

/// What the worker runs on a claimed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum PipelineKind {
    /// Extraction, Stage 1 and Stage 2 on the model.
    #[default]
    Llm,
    /// No model: the result is the file's SHA-256 and size. For soak tests and queue benchmarks.
    Checksum,
}

/// Where the API key is kept (see `api::key_store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreKind {
    /// The OS keyring; a 0600 file beside the config file (with a warning) when none answers.
    #[default]
    Auto,
    /// The OS keyring only: an unreachable keyring is an error.
    Keyring,
    /// The 0600 file only (headless servers without a keyring).
    File,
}

/// Settings as they may appear in `config.toml`; every field optional so that a file sets only what it changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Args)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Folder watched for new documents.
    #[arg(long, env = "ZOPILOT_DROP_FOLDER", global = true)]
    pub drop_folder: Option<PathBuf>,
    /// Folder for the SQLite database and logs.
    #[arg(long, env = "ZOPILOT_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Model folder in the ONNX Runtime GenAI layout (genai_config.json, model.onnx, tokenizer.json …).
    #[arg(long, env = "ZOPILOT_MODEL_DIR", global = true)]
    pub model_dir: Option<PathBuf>,
    /// `cpu` or `cuda`.
    #[arg(long, env = "ZOPILOT_EXECUTION_PROVIDER", global = true, value_enum)]
    pub execution_provider: Option<ExecutionProvider>,
    /// Path of `libonnxruntime.so.1.31.1` (also read from `ORT_DYLIB_PATH`).
    #[arg(long, env = "ZOPILOT_ORT_LIBRARY", global = true)]
    pub ort_library: Option<PathBuf>,
    /// Path of `libpdfium.so`.
    #[arg(long, env = "ZOPILOT_PDFIUM_LIBRARY", global = true)]
    pub pdfium_library: Option<PathBuf>,
    /// Folder of the OCR models (PP-OCRv6 detection/recognition, direction classifier).
    #[arg(long, env = "ZOPILOT_OCR_MODELS_DIR", global = true)]
    pub ocr_models_dir: Option<PathBuf>,
    /// Address of the HTTP API; loopback unless you really mean otherwise.
    #[arg(long, env = "ZOPILOT_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Business profile file (TOML or JSON) the pipeline classifies for.
    #[arg(long = "business", env = "ZOPILOT_BUSINESS_PROFILE", global = true)]
    pub business_profile: Option<PathBuf>,
    /// Milliseconds a file's size and mtime must stay unchanged before it is enqueued.
    #[arg(long, env = "ZOPILOT_STABILITY_WINDOW_MS", global = true)]
    pub stability_window_ms: Option<u64>,
    /// ONNX Runtime intra-op threads (0 = one per physical core).
    #[arg(long, env = "ZOPILOT_INTRA_THREADS", global = true)]
    pub intra_threads: Option<usize>,
    /// Serve `GET /health` without an API key.
    #[arg(long, env = "ZOPILOT_HEALTH_PUBLIC", global = true)]
    pub health_public: Option<bool>,
    /// Largest document accepted, in bytes.
    #[arg(long, env = "ZOPILOT_MAX_FILE_BYTES", global = true)]
    pub max_file_bytes: Option<u64>,
    /// Most pages of a PDF read (longer ones fail with the reason).
    #[arg(long, env = "ZOPILOT_MAX_PAGES", global = true)]
    pub max_pages: Option<usize>,
    /// Memory (address space) limit of the extraction child process, in MiB.
    #[arg(long, env = "ZOPILOT_EXTRACT_MEMORY_MB", global = true)]
    pub extract_memory_mb: Option<u64>,
    /// CPU time limit of the extraction child process, in seconds.
    #[arg(long, env = "ZOPILOT_EXTRACT_CPU_SECONDS", global = true)]
    pub extract_cpu_seconds: Option<u64>,
    /// Wall-clock limit of the extraction child process, in seconds.
    #[arg(long, env = "ZOPILOT_EXTRACT_TIMEOUT_SECONDS", global = true)]
    pub extract_timeout_seconds: Option<u64>,
    /// CPU and wall-clock seconds the extraction child gets in addition for each page it reads
    /// by OCR (0: none; the base limits then cover every page).
    #[arg(long, env = "ZOPILOT_EXTRACT_OCR_SECONDS_PER_PAGE", global = true)]
    pub extract_ocr_seconds_per_page: Option<u64>,
    /// Model calls the API runs at once (`/prompt`); more wait in the queue.
    #[arg(long, env = "ZOPILOT_API_CONCURRENCY", global = true)]
    pub api_concurrency: Option<usize>,
    /// Model calls that may wait for a turn; beyond them the API answers 429 with Retry-After.
    #[arg(long, env = "ZOPILOT_API_QUEUE", global = true)]
    pub api_queue: Option<usize>,
    /// Memory for the KV of recent prompts' stable prefixes (system prompts), in MiB; 0 keeps
    /// none.
    #[arg(long, env = "ZOPILOT_PREFIX_CACHE_MB", global = true)]
    pub prefix_cache_mb: Option<usize>,
    /// Disk space for the same prefixes in the data folder (`prefix-cache/`), so a restart does
    /// not prefill them again, in MiB; 0 writes none.
    #[arg(long, env = "ZOPILOT_PREFIX_CACHE_DISK_MB", global = true)]
    pub prefix_cache_disk_mb: Option<usize>,
    /// Under greedy decoding, draft tokens that repeat the prompt (prompt lookup) and verify them
    /// in one forward pass: fewer passes; the tokens can differ from single-step greedy decoding
    /// where batched-pass rounding tips a close choice (off by default).
    #[arg(long, env = "ZOPILOT_PROMPT_LOOKUP", global = true)]
    pub prompt_lookup: Option<bool>,
    /// Score a judgment's options side by side in the batch dimension, in passes of at most this
    /// many MiB (KV copies of the prompt + logits); 0 scores one option per pass.
    #[arg(long, env = "ZOPILOT_SCORE_BATCH_MB", global = true)]
    pub score_batch_mb: Option<usize>,
    /// Longest the API waits for a request's body, in seconds; then 408.
    #[arg(long, env = "ZOPILOT_BODY_TIMEOUT_SECONDS", global = true)]
    pub body_timeout_seconds: Option<u64>,
    /// Longest an API model call may take, waiting included, in seconds; then 504 and the
    /// generation is stopped.
    #[arg(long, env = "ZOPILOT_REQUEST_TIMEOUT_SECONDS", global = true)]
    pub request_timeout_seconds: Option<u64>,
    /// Allow `listen` on a non-loopback address (then the API key must come from the keyring or
    /// an explicit key source).
    #[arg(long, env = "ZOPILOT_ALLOW_REMOTE", global = true)]
    pub allow_remote: Option<bool>,
    /// Attempts per document before it is dead-lettered (`dead`).
    #[arg(long, env = "ZOPILOT_MAX_ATTEMPTS", global = true)]
    pub max_attempts: Option<u32>,
    /// First retry delay in milliseconds; doubles per attempt, plus up to 50 % jitter.
    #[arg(long, env = "ZOPILOT_RETRY_BASE_MS", global = true)]
    pub retry_base_ms: Option<u64>,
    /// Lease (visibility timeout) of a claimed document in seconds; the worker renews it while it runs.
    #[arg(long, env = "ZOPILOT_LEASE_SECONDS", global = true)]
    pub lease_seconds: Option<u64>,
    /// On stop, how long the current document may run before its lease is released, in ms.
    #[arg(long, env = "ZOPILOT_SHUTDOWN_GRACE_MS", global = true)]
    pub shutdown_grace_ms: Option<u64>,
    /// `auto`, `events` or `poll`.
    #[arg(long, env = "ZOPILOT_WATCH_MODE", global = true, value_enum)]
    pub watch_mode: Option<WatchMode>,
    /// Polling period for polled folders, in ms.
    #[arg(long, env = "ZOPILOT_POLL_INTERVAL_MS", global = true)]
    pub poll_interval_ms: Option<u64>,
    /// Watch the Google Drive sync folder too (detected, or `drive_folder`).
    #[arg(long, env = "ZOPILOT_WATCH_DRIVE", global = true)]
    pub watch_drive: Option<bool>,
    /// The Google Drive "My Drive" folder, when detection does not find it.
    #[arg(long, env = "ZOPILOT_DRIVE_FOLDER", global = true)]
    pub drive_folder: Option<PathBuf>,
    /// The folder inside My Drive that is watched ("" = all of My Drive).
    #[arg(long, env = "ZOPILOT_DRIVE_SUBFOLDER", global = true)]
    pub drive_subfolder: Option<String>,
    /// A PostgreSQL database shared by several daemons (`postgres://user:password@host/db`);
    /// absent: this daemon's own SQLite file in the data folder.
    #[arg(long, env = "ZOPILOT_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// An OpenAI-compatible inference server for the model calls (`http://gpu-box:8000`:
    /// llama.cpp's server, vLLM, another zopilot); absent: the local model only.
    #[arg(long, env = "ZOPILOT_ENGINE_URL", global = true)]
    pub engine_url: Option<String>,
    /// The model id to request from `engine_url` (default: the first it lists).
    #[arg(long, env = "ZOPILOT_ENGINE_MODEL", global = true)]
    pub engine_model: Option<String>,
    /// The name of the environment variable holding `engine_url`'s API key (the key itself is
    /// never written in the configuration).
    #[arg(long, env = "ZOPILOT_ENGINE_API_KEY_ENV", global = true)]
    pub engine_api_key_env: Option<String>,
    /// Timeout of one request to `engine_url`, seconds.
    #[arg(long, env = "ZOPILOT_ENGINE_TIMEOUT_SECONDS", global = true)]
    pub engine_timeout_seconds: Option<u64>,
    /// The inference server as a table in `config.toml` (`[engine]` with `url`, `model`,
    /// `api_key_env`, `timeout_seconds`); the flat `engine_*` keys, flags and variables win.
    #[arg(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineTable>,
    /// Move originals to `processed/` / `failed/` under the drop folder once done.
    #[arg(long, env = "ZOPILOT_MOVE_ORIGINALS", global = true)]
    pub move_originals: Option<bool>,
    /// Also move originals inside the Drive folder (off: Drive files are never touched).
    #[arg(long, env = "ZOPILOT_MOVE_IN_DRIVE", global = true)]
    pub move_in_drive: Option<bool>,
    /// `llm` (default) or `checksum` (no model; soak tests and queue benchmarks).
    #[arg(long, env = "ZOPILOT_PIPELINE", global = true, value_enum)]
    pub pipeline: Option<PipelineKind>,
    /// `checksum` pipeline only: simulated stage time per document in ms (soak tests use it to
    /// make SIGKILLs land mid-document).
    #[arg(long, env = "ZOPILOT_CHECKSUM_STAGE_MS", global = true)]
    pub checksum_stage_ms: Option<u64>,
    /// Where the API key is kept: auto (OS keyring, else a 0600 file), keyring, file.
    #[arg(long, env = "ZOPILOT_KEY_STORE", global = true, value_enum)]
    pub key_store: Option<KeyStoreKind>,
    /// Browser origins allowed to call the API (CORS), e.g. `http://localhost:3000`; none by
    /// default. Requests carrying any other `Origin` are refused with 403.
    #[arg(
        long,
        env = "ZOPILOT_CORS_ORIGINS",
        global = true,
        value_delimiter = ','
    )]
    pub cors_origins: Option<Vec<String>>,
    /// Log filter in `RUST_LOG` syntax (`info`, `zopilot=debug,ort=warn` …); `ZOPILOT_LOG`
    /// overrides it.
    #[arg(long, env = "ZOPILOT_LOG_FILTER", global = true)]
    pub log_filter: Option<String>,
    /// How many daily log files `serve` keeps in `<data_dir>/logs`.
    #[arg(long, env = "ZOPILOT_LOG_RETENTION", global = true)]
    pub log_retention: Option<usize>,
}

impl Settings {
    /// Fields set in `over` replace those in `self`.
    fn overlay(self, over: Settings) -> Settings {
        Settings {
            drop_folder: over.drop_folder.or(self.drop_folder),
            data_dir: over.data_dir.or(self.data_dir),
            model_dir: over.model_dir.or(self.model_dir),
            execution_provider: over.execution_provider.or(self.execution_provider),
            ort_library: over.ort_library.or(self.ort_library),
            pdfium_library: over.pdfium_library.or(self.pdfium_library),
            ocr_models_dir: over.ocr_models_dir.or(self.ocr_models_dir),
            listen: over.listen.or(self.listen),
            business_profile: over.business_profile.or(self.business_profile),
            stability_window_ms: over.stability_window_ms.or(self.stability_window_ms),
            intra_threads: over.intra_threads.or(self.intra_threads),
            health_public: over.health_public.or(self.health_public),
            max_file_bytes: over.max_file_bytes.or(self.max_file_bytes),
            max_pages: over.max_pages.or(self.max_pages),
            extract_memory_mb: over.extract_memory_mb.or(self.extract_memory_mb),
            extract_cpu_seconds: over.extract_cpu_seconds.or(self.extract_cpu_seconds),
            extract_timeout_seconds: over
                .extract_timeout_seconds
                .or(self.extract_timeout_seconds),
            extract_ocr_seconds_per_page: over
                .extract_ocr_seconds_per_page
                .or(self.extract_ocr_seconds_per_page),
            body_timeout_seconds: over.body_timeout_seconds.or(self.body_timeout_seconds),
            api_concurrency: over.api_concurrency.or(self.api_concurrency),
            api_queue: over.api_queue.or(self.api_queue),
            prefix_cache_mb: over.prefix_cache_mb.or(self.prefix_cache_mb),
            prefix_cache_disk_mb: over.prefix_cache_disk_mb.or(self.prefix_cache_disk_mb),
            prompt_lookup: over.prompt_lookup.or(self.prompt_lookup),
            score_batch_mb: over.score_batch_mb.or(self.score_batch_mb),
            request_timeout_seconds: over
                .request_timeout_seconds
                .or(self.request_timeout_seconds),
            allow_remote: over.allow_remote.or(self.allow_remote),
            max_attempts: over.max_attempts.or(self.max_attempts),
            retry_base_ms: over.retry_base_ms.or(self.retry_base_ms),
            lease_seconds: over.lease_seconds.or(self.lease_seconds),
            shutdown_grace_ms: over.shutdown_grace_ms.or(self.shutdown_grace_ms),
            watch_mode: over.watch_mode.or(self.watch_mode),
            poll_interval_ms: over.poll_interval_ms.or(self.poll_interval_ms),
            watch_drive: over.watch_drive.or(self.watch_drive),
            drive_folder: over.drive_folder.or(self.drive_folder),
            drive_subfolder: over.drive_subfolder.or(self.drive_subfolder),
            database_url: over.database_url.or(self.database_url),
            engine_url: over.engine_url.or(self.engine_url),
            engine_model: over.engine_model.or(self.engine_model),
            engine_api_key_env: over.engine_api_key_env.or(self.engine_api_key_env),
            engine_timeout_seconds: over.engine_timeout_seconds.or(self.engine_timeout_seconds),
            engine: over.engine.or(self.engine),
            move_originals: over.move_originals.or(self.move_originals),
            move_in_drive: over.move_in_drive.or(self.move_in_drive),
            pipeline: over.pipeline.or(self.pipeline),
            checksum_stage_ms: over.checksum_stage_ms.or(self.checksum_stage_ms),
            key_store: over.key_store.or(self.key_store),
            cors_origins: over.cors_origins.or(self.cors_origins),
            log_filter: over.log_filter.or(self.log_filter),
            log_retention: over.log_retention.or(self.log_retention),
        }
    }
}

/// The resolved configuration every component reads.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub config_file: PathBuf,
    pub drop_folder: PathBuf,
    pub data_dir: PathBuf,
    pub model_dir: PathBuf,
    pub execution_provider: ExecutionProvider,
    pub ort_library: PathBuf,
    pub pdfium_library: PathBuf,
    pub ocr_models_dir: PathBuf,
    pub listen: SocketAddr,
    pub business_profile: Option<PathBuf>,
    pub stability_window_ms: u64,
    pub intra_threads: usize,
    pub health_public: bool,
    pub max_file_bytes: u64,
    pub max_pages: usize,
    /// Extraction child process limits: memory (MiB), CPU time (s), wall time (s), and the
    /// CPU and wall seconds each page read by OCR adds.
    pub extract_memory_mb: u64,
    pub extract_cpu_seconds: u64,
    pub extract_timeout_seconds: u64,
    pub extract_ocr_seconds_per_page: u64,
    /// Longest wait for a request body, seconds (408 after).
    pub body_timeout_seconds: u64,
    /// Model calls the API runs at once.
    pub api_concurrency: usize,
    /// Model calls waiting for a turn before 429.
    pub api_queue: usize,
    /// Prefix KV cache budget, MiB (default 512).
    pub prefix_cache_mb: usize,
    /// Prefix KV files' budget in `<data_dir>/prefix-cache`, MiB (default 2048; 0: none).
    pub prefix_cache_disk_mb: usize,
    /// Prompt lookup drafts under greedy decoding (default off).
    pub prompt_lookup: bool,
    /// Byte budget of one batched option-scoring pass, MiB (0: one option per pass).
    pub score_batch_mb: usize,
    /// Longest API model call, seconds (504 after).
    pub request_timeout_seconds: u64,
    /// Whether `listen` may be a non-loopback address.
    pub allow_remote: bool,
    pub max_attempts: u32,
    pub retry_base_ms: u64,
    pub lease_seconds: u64,
    pub shutdown_grace_ms: u64,
    pub watch_mode: WatchMode,
    pub poll_interval_ms: u64,
    pub watch_drive: bool,
    pub drive_folder: Option<PathBuf>,
    pub drive_subfolder: String,
    /// PostgreSQL URL of a shared store; `None`: SQLite at [`Config::database_path`].
    pub database_url: Option<String>,
    /// OpenAI-compatible inference server for option scoring; `None`: the local model only.
    pub engine_url: Option<String>,
    pub engine_model: Option<String>,
    /// Name of the environment variable with `engine_url`'s API key.
    pub engine_api_key_env: Option<String>,
    pub engine_timeout_seconds: u64,
    pub move_originals: bool,
    pub move_in_drive: bool,
    pub pipeline: PipelineKind,
    pub checksum_stage_ms: u64,
    pub key_store: KeyStoreKind,
    pub cors_origins: Vec<String>,
    pub log_filter: String,
    pub log_retention: usize,
}

/// Default log filter (`RUST_LOG` syntax).
pub const DEFAULT_LOG_FILTER: &str = "info,ort=warn";

/// Default `score_batch_mb`: 0, one option per pass — measured faster than batched scoring on
/// CPU (README, `score_batch_mb`).
pub const DEFAULT_SCORE_BATCH_MB: usize = 0;

/// Default API address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "zopilot")
}

/// Default location of `config.toml`.
pub fn default_config_file() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("zopilot.toml"))
}

fn default_data_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".zopilot"))
}

impl Config {
    /// Resolve the configuration from the file at `config_file` (missing is fine) and the
    /// already-parsed flags/environment in `cli`.
    ///
    /// Errors: an unreadable or malformed config file, or an unknown key in it.
    pub fn load(config_file: Option<&Path>, cli: Settings) -> Result<Config> {
        let config_file = config_file
            .map(Path::to_path_buf)
            .unwrap_or_else(default_config_file);
        let file = if config_file.exists() {
            let text = std::fs::read_to_string(&config_file)
                .with_context(|| format!("reading {}", config_file.display()))?;
            toml::from_str::<Settings>(&text)
                .with_context(|| format!("parsing {}", config_file.display()))?
        } else {
            Settings::default()
        };
        let mut s = file.overlay(cli);
        if let Some(t) = s.engine.take() {
            t.fill(&mut s);
        }
        let data_dir = s.data_dir.unwrap_or_else(default_data_dir);
        let home = directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."));
        let ort_library = s
            .ort_library
            .or_else(|| std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from))
            .unwrap_or_else(|| data_dir.join("lib").join(crate::ORT_LIBRARY_FILE));
        let listen = match s.listen {
            Some(a) => a,
            None => DEFAULT_LISTEN.parse()?,
        };
        let cfg = Config {
            config_file,
            drop_folder: s
                .drop_folder
                .unwrap_or_else(|| home.join("Zopilot").join("Inbox")),
            model_dir: s
                .model_dir
                .unwrap_or_else(|| data_dir.join("models").join("default")),
            execution_provider: s.execution_provider.unwrap_or_default(),
            ort_library,
            pdfium_library: s
                .pdfium_library
                .unwrap_or_else(|| data_dir.join("lib").join("libpdfium.so")),
            ocr_models_dir: s.ocr_models_dir.unwrap_or_else(|| data_dir.join("ocr")),
            listen,
            business_profile: s.business_profile,
            stability_window_ms: s.stability_window_ms.unwrap_or(2000),
            intra_threads: s.intra_threads.unwrap_or(0),
            health_public: s.health_public.unwrap_or(true),
            max_file_bytes: s.max_file_bytes.unwrap_or(50 * 1024 * 1024),
            max_pages: s.max_pages.unwrap_or(50).max(1),
            extract_memory_mb: s.extract_memory_mb.unwrap_or(2048).max(256),
            extract_cpu_seconds: s.extract_cpu_seconds.unwrap_or(300).max(5),
            extract_timeout_seconds: s.extract_timeout_seconds.unwrap_or(600).max(5),
            extract_ocr_seconds_per_page: s.extract_ocr_seconds_per_page.unwrap_or(15),
            body_timeout_seconds: s.body_timeout_seconds.unwrap_or(30).max(1),
            api_concurrency: s.api_concurrency.unwrap_or(1).max(1),
            api_queue: s.api_queue.unwrap_or(8),
            prefix_cache_mb: s.prefix_cache_mb.unwrap_or(512),
            prefix_cache_disk_mb: s.prefix_cache_disk_mb.unwrap_or(2048),
            prompt_lookup: s.prompt_lookup.unwrap_or(false),
            score_batch_mb: s.score_batch_mb.unwrap_or(DEFAULT_SCORE_BATCH_MB),
            request_timeout_seconds: s.request_timeout_seconds.unwrap_or(60).max(1),
            allow_remote: s.allow_remote.unwrap_or(false),
            max_attempts: s.max_attempts.unwrap_or(3).max(1),
            retry_base_ms: s.retry_base_ms.unwrap_or(5_000),
            lease_seconds: s.lease_seconds.unwrap_or(300).max(5),
            shutdown_grace_ms: s.shutdown_grace_ms.unwrap_or(30_000),
            watch_mode: s.watch_mode.unwrap_or_default(),
            poll_interval_ms: s.poll_interval_ms.unwrap_or(2_000).max(100),
            watch_drive: s.watch_drive.unwrap_or(true),
            drive_folder: s.drive_folder,
            drive_subfolder: s.drive_subfolder.unwrap_or_else(|| "Zopilot".into()),
            database_url: s.database_url.filter(|u| !u.trim().is_empty()),
            engine_url: s.engine_url.filter(|u| !u.trim().is_empty()),
            engine_model: s.engine_model.filter(|u| !u.trim().is_empty()),
            engine_api_key_env: s.engine_api_key_env.filter(|u| !u.trim().is_empty()),
            engine_timeout_seconds: s.engine_timeout_seconds.unwrap_or(120).max(1),
            move_originals: s.move_originals.unwrap_or(false),
            move_in_drive: s.move_in_drive.unwrap_or(false),
            pipeline: s.pipeline.unwrap_or_default(),
            checksum_stage_ms: s.checksum_stage_ms.unwrap_or(0),
            key_store: s.key_store.unwrap_or_default(),
            cors_origins: s
                .cors_origins
                .unwrap_or_default()
                .into_iter()
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            log_filter: s.log_filter.unwrap_or_else(|| DEFAULT_LOG_FILTER.into()),
            log_retention: s.log_retention.unwrap_or(14).max(1),
            data_dir,
        };
        if let Some(o) = cfg
            .cors_origins
            .iter()
            .find(|o| *o == "*" || !o.contains("://"))
        {
            bail!("cors_origins: {o:?} is not an origin (scheme://host[:port]); wildcards are not allowed");
        }
        if cfg.stability_window_ms > 600_000 {
            bail!("stability_window_ms must be at most 600000 (10 minutes)");
        }
        Ok(cfg)
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("zopilot.sqlite3")
    }

    /// The folder for rolling logs.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

mod engine;
pub use engine::EngineTable;

#[cfg(test)]
mod tests;
