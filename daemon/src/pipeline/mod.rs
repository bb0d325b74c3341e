//! The document pipeline, one file per step in the order a document goes through it:
//! extraction ([`crate::extract`]: text, e-invoice fields, rule candidates) → [`fields`] (the
//! model reads what rules could not, checked against them) → [`duplicates`] (Stage 0 field rules)
//! → [`direction`] (who is the business in this document) → [`stage1`] (analysis and actions,
//! with the [`primary`] safety net) → [`stage2`] (field mapping per action) → [`result`] (review
//! status). Support: [`registry`], [`profile`], [`prompts`], [`llm_json`] (one structured call).
//!
//! [`Pipeline::run`] computes a document's [`Run`] — its outcome and [`Verdict`] — and writes only
//! progress (the in-flight status) to the store; the worker stores the verdict and moves the
//! original. The model is reached through the shared [`EngineHandle`].

pub mod checksum;
pub mod direction;
pub mod duplicates;
pub mod fields;
pub mod llm_json;
pub mod primary;
pub mod profile;
pub mod prompt_stage;
pub mod prompts;
pub mod registry;
pub mod result;
pub mod stage1;
pub mod stage2;

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde_json::{json, Value};

use crate::config::Config;
use crate::extract::{self, DocumentText};
use crate::failure::is_transient;
use crate::llm::{EngineHandle, ModelSettings};
use crate::store::{Job, Outcome, Status, Storage};
use llm_json::StageMetrics;
use profile::BusinessProfile;
use prompts::Prompts;
use registry::Registry;

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A terminal status (`classified`, `preview_required`).
    Done(Status),
    /// A problem with the document itself (the reason, for people); retrying cannot fix it.
    Failed(String),
    /// A transient failure (model not loadable, a stage panicked): retry after a backoff.
    Retry(String),
}

/// What one run produced, whatever its verdict.
#[derive(Debug, Clone)]
pub struct Run {
    pub verdict: Verdict,
    pub outcome: Outcome,
    pub seconds: f64,
}

impl Run {
    /// The verdict of `result` (Ok: a status; Err: transient or a document problem).
    pub fn from_result(result: Result<Status>, outcome: Outcome, seconds: f64) -> Run {
        let verdict = match result {
            Ok(s) => Verdict::Done(s),
            Err(e) if is_transient(&e) => Verdict::Retry(format!("{e:#}")),
            Err(e) => Verdict::Failed(format!("{e:#}")),
        };
        Run {
            verdict,
            outcome,
            seconds,
        }
    }
}

/// The model settings of a configuration.
pub fn model_settings(cfg: &Config) -> ModelSettings {
    ModelSettings {
        ort_library: cfg.ort_library.clone(),
        model_dir: cfg.model_dir.clone(),
        execution_provider: cfg.execution_provider,
        intra_threads: cfg.intra_threads,
    }
}

/// The pipeline: extraction settings, prompts and the engine handle.
pub struct Pipeline {
    engine: EngineHandle,
    extractor: extract::Extractor,
    prompts: Prompts,
}

/// What the steps after extraction share while a document runs.
struct Ctx<'a> {
    store: &'a dyn Storage,
    job: &'a Job,
    profile: &'a BusinessProfile,
    registry: Registry,
    text: DocumentText,
    outcome: &'a mut Outcome,
    metrics: &'a mut Vec<StageMetrics>,
    warnings: Vec<String>,
}

impl Pipeline {
    /// Build from the configuration and an engine handle; nothing is loaded yet.
    pub fn new(cfg: &Config, engine: EngineHandle) -> Result<Pipeline> {
        Ok(Pipeline {
            engine,
            extractor: extract::Extractor::new(cfg),
            prompts: Prompts::new()?,
        })
    }

    /// The engine handle (shared with the API).
    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// The prompt templates.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// The extractor (PDF text, OCR, e-invoices, office formats).
    pub fn extractor(&self) -> &extract::Extractor {
        &self.extractor
    }

    /// Run a claimed document through every step. Writes only the in-flight status; the
    /// returned [`Run`] is for the worker to store.
    pub fn run(&self, store: &dyn Storage, job: &Job, profile: &BusinessProfile) -> Run {
        let t0 = Instant::now();
        let mut outcome = Outcome {
            business: serde_json::to_value(profile).ok(),
            ..Default::default()
        };
        let mut metrics: Vec<StageMetrics> = Vec::new();
        let result = self.steps(store, job, profile, &mut outcome, &mut metrics);
        outcome.metrics = Some(json!({"stages": metrics, "seconds": t0.elapsed().as_secs_f64()}));
        Run::from_result(result, outcome, t0.elapsed().as_secs_f64())
    }

    fn steps(
        &self,
        store: &dyn Storage,
        job: &Job,
        profile: &BusinessProfile,
        outcome: &mut Outcome,
        metrics: &mut Vec<StageMetrics>,
    ) -> Result<Status> {
        let registry = Registry::for_software(&profile.accounting_software)?;
        let text = self.extractor.extract(Path::new(&job.doc.original_path))?;
        let mut cx = Ctx {
            store,
            job,
            profile,
            registry,
            text,
            outcome,
            metrics,
            warnings: Vec::new(),
        };
        let extracted = self.read_fields(&mut cx)?;
        let dupes = duplicates::find(cx.store, cx.job.doc.id, &extracted)?;
        cx.warnings
            .extend(dupes.iter().map(duplicates::Candidate::warning));
        cx.outcome.warnings = cx.warnings.clone();
        cx.store.set_status(cx.job, Status::Classifying)?;
        let s1 = self.stage1(&mut cx, &extracted)?;
        cx.store.set_status(cx.job, Status::Mapping)?;
        let mappings = self.stage2(&mut cx, &extracted, &s1)?;
        let confidence = result::overall_confidence(&s1, &mappings);
        let status = result::review_status(confidence, &cx.warnings);
        let mut r = result::combine(
            &cx.job.doc.file_name,
            &s1,
            &mappings,
            confidence,
            status,
            &cx.warnings,
        );
        r["duplicate_candidates"] = serde_json::to_value(&dupes)?;
        cx.outcome.result = Some(r);
        cx.outcome.stage2 = Some(Value::Array(mappings));
        cx.outcome.warnings = cx.warnings;
        Ok(status)
    }

    /// Fields: exact from an e-invoice, else by rules, the model filling gaps.
    fn read_fields(&self, cx: &mut Ctx<'_>) -> Result<Value> {
        let extracted = fields::read_fields(
            &self.engine,
            &self.prompts,
            &cx.job.doc.file_name,
            &cx.text,
            cx.profile.country.as_deref(),
            cx.metrics,
            &mut cx.warnings,
        )?;
        cx.outcome.model = self.engine.loaded_info().map(|i| i.name);
        cx.outcome.extracted = Some(extracted.clone());
        Ok(extracted)
    }

    fn stage1(&self, cx: &mut Ctx<'_>, extracted: &Value) -> Result<Value> {
        let (dir, why) = direction::infer(cx.profile, extracted, &cx.text.text);
        let input = stage1::Stage1Input {
            file_name: &cx.job.doc.file_name,
            text: &cx.text.text,
            extracted,
            profile: cx.profile,
            registry: &cx.registry,
            direction: (dir, &why),
        };
        let s1 = stage1::run(
            &self.engine,
            &self.prompts,
            &input,
            cx.metrics,
            &mut cx.warnings,
        )?;
        cx.outcome.model = self.engine.loaded_info().map(|i| i.name);
        cx.outcome.stage1 = Some(s1.clone());
        cx.outcome.warnings = cx.warnings.clone();
        Ok(s1)
    }

    fn stage2(&self, cx: &mut Ctx<'_>, extracted: &Value, s1: &Value) -> Result<Vec<Value>> {
        let mut mappings = Vec::new();
        for suggestion in s1["suggested_actions"].as_array().into_iter().flatten() {
            if !primary::passes_stage2_filter(suggestion) {
                continue;
            }
            let input = stage2::Stage2Input {
                file_name: &cx.job.doc.file_name,
                text: &cx.text.text,
                extracted,
                stage1: s1,
                suggestion,
                profile: cx.profile,
                registry: &cx.registry,
            };
            mappings.push(stage2::run(
                &self.engine,
                &self.prompts,
                &input,
                cx.metrics,
                &mut cx.warnings,
            )?);
        }
        Ok(mappings)
    }
}
