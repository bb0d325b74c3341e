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
            listen: over.listen.or(self.listen),
            business_profile: over.business_profile.or(self.business_profile),
            stability_window_ms: over.stability_window_ms.or(self.stability_window_ms),
            intra_threads: over.intra_threads.or(self.intra_threads),
            health_public: over.health_public.or(self.health_public),
            max_file_bytes: over.max_file_bytes.or(self.max_file_bytes),
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
    pub listen: SocketAddr,
    pub business_profile: Option<PathBuf>,
    pub stability_window_ms: u64,
    pub intra_threads: usize,
    pub health_public: bool,
    pub max_file_bytes: u64,
}

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
        let s = file.overlay(cli);
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
            listen,
            business_profile: s.business_profile,
            stability_window_ms: s.stability_window_ms.unwrap_or(2000),
            intra_threads: s.intra_threads.unwrap_or(0),
            health_public: s.health_public.unwrap_or(true),
            max_file_bytes: s.max_file_bytes.unwrap_or(50 * 1024 * 1024),
            data_dir,
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "drop_folder = \"/tmp/in\"\nexecution_provider = \"cuda\"\nlisten = \"127.0.0.1:9999\"\n",
        )
        .unwrap();
        let cli = Settings {
            drop_folder: Some("/tmp/flag".into()),
            ..Default::default()
        };
        let cfg = Config::load(Some(&file), cli).unwrap();
        assert_eq!(cfg.drop_folder, PathBuf::from("/tmp/flag"));
        assert_eq!(cfg.execution_provider, ExecutionProvider::Cuda);
        assert_eq!(cfg.listen.port(), 9999);
        assert_eq!(cfg.stability_window_ms, 2000);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "drop_foldr = \"/tmp/in\"\n").unwrap();
        let err = Config::load(Some(&file), Settings::default()).unwrap_err();
        assert!(format!("{err:#}").contains("drop_foldr"), "{err:#}");
    }
}
