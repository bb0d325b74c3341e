//! The document pipeline, in the order a document goes through it:
//! extract text ([`crate::extract`]) → fields ([`crate::extract::fields`]) → [`stage1`] (analysis
//! and actions, [`primary`] safety net) → [`stage2`] (field mapping per action) → [`result`]
//! (review status), written to the store in one transaction.
//!
//! The model is loaded on first use and shared with the API through [`Pipeline::with_engine`];
//! each LLM call takes the engine lock, so `/prompt` requests interleave with documents.

pub mod checksum;
pub mod direction;
pub mod duplicates;
pub mod llm_json;
pub mod primary;
pub mod profile;
pub mod prompts;
pub mod registry;
pub mod result;
pub mod schemas;
pub mod stage1;
pub mod stage2;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

use crate::config::{Config, ExecutionProvider};
use crate::extract;
use crate::llm::Engine;
use crate::queue::{self, Job, Policy};
use crate::store::documents::{Document, Outcome, Status};
use crate::store::Store;
use llm_json::StageMetrics;
use profile::BusinessProfile;
use prompts::Prompts;
use registry::Registry;

/// Where the model comes from.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    pub ort_library: PathBuf,
    pub model_dir: PathBuf,
    pub execution_provider: ExecutionProvider,
    pub intra_threads: usize,
}

/// The pipeline with its lazily loaded model.
pub struct Pipeline {
    engine: Mutex<Option<Engine>>,
    model: ModelSettings,
    extractor: extract::Extractor,
    prompts: Prompts,
    policy: Policy,
}

/// A failure worth retrying (the model could not be loaded, the runtime failed, a stage
/// panicked) as opposed to a problem with the document itself, which retrying cannot fix.
#[derive(Debug)]
pub struct Transient(pub String);

impl std::fmt::Display for Transient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Transient {}

/// True when `e` (or anything in its chain) is [`Transient`].
pub fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<Transient>().is_some())
}

/// What one run produced, whatever its status.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub status: Status,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub seconds: f64,
}

impl Pipeline {
    /// Build from the configuration; nothing is loaded yet.
    pub fn new(cfg: &Config) -> Result<Pipeline> {
        Ok(Pipeline {
            engine: Mutex::new(None),
            model: ModelSettings {
                ort_library: cfg.ort_library.clone(),
                model_dir: cfg.model_dir.clone(),
                execution_provider: cfg.execution_provider,
                intra_threads: cfg.intra_threads,
            },
            extractor: extract::Extractor::new(cfg),
            prompts: Prompts::new()?,
            policy: Policy::from_config(cfg),
        })
    }

    /// Run `f` with the model, loading it first if needed.
    ///
    /// Errors: the model cannot be loaded (the message says why and how to fix it).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> Result<R> {
        let mut slot = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let m = &self.model;
            let e = Engine::load(
                &m.ort_library,
                &m.model_dir,
                m.execution_provider,
                m.intra_threads,
            )
            .map_err(|e| anyhow!(Transient(format!("model not available: {e:#}"))))?;
            tracing::info!(model = e.name(), "model loaded");
            *slot = Some(e);
        }
        Ok(f(slot.as_mut().expect("loaded above")))
    }

    /// The prompt templates.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// The extractor (PDF text, OCR, e-invoices, office formats).
    pub fn extractor(&self) -> &extract::Extractor {
        &self.extractor
    }

    /// The configured model folder.
    pub fn model_dir(&self) -> &Path {
        &self.model.model_dir
    }

    /// The retry policy documents are processed under.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Use `policy` instead of the configured one (`zopilot process` makes one attempt).
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// Process a claimed document end to end and store the outcome: a terminal status with the
    /// results, `failed` with the reason for a problem with the document, or — for a
    /// [`Transient`] failure — a retry after backoff, `dead` once attempts are used up. Never
    /// returns an error for a bad document; errors are database failures. When the job's lease
    /// was lost meanwhile, nothing is written and the report says so.
    pub fn process(
        &self,
        store: &Store,
        job: &Job,
        profile: &BusinessProfile,
    ) -> Result<RunReport> {
        let doc = &job.doc;
        let t0 = Instant::now();
        let mut outcome = Outcome {
            business: Some(serde_json::to_value(profile)?),
            ..Default::default()
        };
        let mut metrics: Vec<StageMetrics> = Vec::new();
        let run = self.run_stages(store, job, profile, &mut outcome, &mut metrics);
        outcome.metrics = Some(json!({"stages": metrics, "seconds": t0.elapsed().as_secs_f64()}));
        let seconds = t0.elapsed().as_secs_f64();
        match run {
            Ok(status) => {
                if !store.complete(job, status, &outcome)? {
                    return Ok(lost(outcome, seconds));
                }
                tracing::info!(
                    id = doc.id,
                    status = status.as_str(),
                    seconds,
                    "document done"
                );
                Ok(RunReport {
                    status,
                    outcome,
                    error: None,
                    seconds,
                })
            }
            Err(e) if is_transient(&e) => {
                let reason = format!("{e:#}");
                let Some(status) = queue::retry_or_dead(store, job, &reason, &self.policy)? else {
                    return Ok(lost(outcome, seconds));
                };
                tracing::warn!(id = doc.id, status = status.as_str(), reason = %reason, "document will be retried or was dead-lettered");
                Ok(RunReport {
                    status,
                    outcome,
                    error: Some(reason),
                    seconds,
                })
            }
            Err(e) => {
                let reason = format!("{e:#}");
                if !store.fail(job, &reason, &outcome)? {
                    return Ok(lost(outcome, seconds));
                }
                tracing::warn!(id = doc.id, reason = %reason, "document failed");
                Ok(RunReport {
                    status: Status::Failed,
                    outcome,
                    error: Some(reason),
                    seconds,
                })
            }
        }
    }

    fn run_stages(
        &self,
        store: &Store,
        job: &Job,
        profile: &BusinessProfile,
        outcome: &mut Outcome,
        metrics: &mut Vec<StageMetrics>,
    ) -> Result<Status> {
        let doc: &Document = &job.doc;
        let registry = Registry::for_software(&profile.accounting_software)?;
        let path = Path::new(&doc.original_path);
        let text = self.extractor.extract(path)?;
        let mut warnings = Vec::new();
        let file_name = doc.file_name.as_str();

        let extracted = match &text.einvoice {
            // An e-invoice states its fields exactly: no model needed for them.
            Some(v) => {
                warnings.extend(
                    extract::checks::arithmetic_warnings(v)
                        .into_iter()
                        .map(|w| format!("e-invoice: {w}")),
                );
                v.clone()
            }
            None => self.with_engine(|e| {
                outcome.model = Some(e.name().to_string());
                extract::fields::extract_fields(
                    e,
                    &self.prompts,
                    file_name,
                    &text,
                    metrics,
                    &mut warnings,
                )
            })??,
        };
        outcome.extracted = Some(extracted.clone());
        // Stage 0, the rules that need fields: same invoice number and vendor, or a fuzzy match.
        let dupes = duplicates::find(store, doc.id, &extracted)?;
        warnings.extend(dupes.iter().map(duplicates::Candidate::warning));
        outcome.warnings = warnings.clone();

        store.set_status(job, Status::Classifying)?;
        let (dir, why) = direction::infer(profile, &extracted, &text.text);
        let s1_input = stage1::Stage1Input {
            file_name,
            text: &text.text,
            extracted: &extracted,
            profile,
            registry: &registry,
            direction: (dir, &why),
        };
        let s1 = self
            .with_engine(|e| stage1::run(e, &self.prompts, &s1_input, metrics, &mut warnings))??;
        outcome.stage1 = Some(s1.clone());
        outcome.warnings = warnings.clone();

        store.set_status(job, Status::Mapping)?;
        let mut mappings = Vec::new();
        for suggestion in s1["suggested_actions"].as_array().into_iter().flatten() {
            if !primary::passes_stage2_filter(suggestion) {
                continue;
            }
            let input = stage2::Stage2Input {
                file_name,
                text: &text.text,
                extracted: &extracted,
                stage1: &s1,
                suggestion,
                profile,
                registry: &registry,
            };
            mappings.push(self.with_engine(|e| {
                stage2::run(e, &self.prompts, &input, metrics, &mut warnings)
            })??);
        }
        let confidence = result::overall_confidence(&s1, &mappings);
        let status = result::review_status(confidence, &warnings);
        outcome.result = Some(result::combine(
            file_name, &s1, &mappings, confidence, status, &warnings,
        ));
        if let Some(r) = outcome.result.as_mut() {
            r["duplicate_candidates"] = serde_json::to_value(&dupes)?;
        }
        outcome.stage2 = Some(Value::Array(mappings));
        outcome.warnings = warnings;
        Ok(status)
    }
}

/// The report for a job whose lease was lost before its outcome could be stored.
fn lost(outcome: Outcome, seconds: f64) -> RunReport {
    RunReport {
        status: Status::Queued,
        outcome,
        error: Some(
            "the lease was lost (another worker took the document over); nothing stored".into(),
        ),
        seconds,
    }
}
