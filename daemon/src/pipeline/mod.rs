//! The document pipeline, one file per step in the order a document goes through it:
//! extraction ([`crate::extract`]: text, e-invoice fields) → [`fields`] (the rules propose every
//! field's candidates, the model scores them, the arithmetic decides) → [`duplicates`] (Stage 0 field rules) →
//! [`direction`] (who the business is in this document, the counterparty; what [`memory`] and the
//! transaction [`history`] of the books know about it) → [`stage1`] (the
//! [`decisions`] table; the model [`judge`]s only among the candidates it leaves) → [`accounts`]
//! (each line's account from the [`chart`]: rules, else a judgment) → [`stage2`] (every field from
//! its [`registry`] value source, validation computed) → [`result`] (confidence, review status).
//! Support: [`profile`], [`prompts`], [`metrics`] (what model calls record), [`prompt_stage`] (what
//! `/prompt` stages generate under).
//!
//! [`Pipeline::run`] computes a document's [`Run`] — its outcome and [`Verdict`] — and writes only
//! progress (the in-flight status) to the store; the worker stores the verdict and moves the
//! original. The model is reached through the shared [`EngineHandle`].

pub mod accounts;
pub mod books;
pub mod chart;
pub mod checksum;
pub mod decisions;
pub mod direction;
pub mod duplicates;
pub mod exchange;
pub mod fields;
pub mod history;
pub mod judge;
pub mod lines;
pub mod lookups;
pub mod mapping;
pub mod memory;
pub mod metrics;
pub mod payload;
pub mod presets;
pub mod primary;
pub mod profile;
pub mod prompt_stage;
pub mod prompts;
pub mod ready;
pub mod registry;
pub mod result;
pub mod rules;
pub mod sales_tax;
pub mod stage1;
pub mod stage2;

use std::time::Instant;

use anyhow::Result;
use serde_json::{json, Value};

use crate::config::Config;
use crate::extract::{self, DocumentText};
use crate::failure::is_transient;
use crate::llm::{EngineHandle, ModelSettings};
use crate::store::{Job, Outcome, Status, Storage};
use metrics::StageMetrics;
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
        prefix_cache_bytes: cfg.prefix_cache_mb << 20,
        prefix_store: (cfg.prefix_cache_disk_mb > 0).then(|| {
            (
                cfg.data_dir.join("prefix-cache"),
                (cfg.prefix_cache_disk_mb as u64) << 20,
            )
        }),
        prompt_lookup: cfg.prompt_lookup,
        score_batch_bytes: cfg.score_batch_mb << 20,
        remote: cfg
            .engine_url
            .as_ref()
            .map(|url| crate::llm::remote::RemoteSettings {
                url: url.clone(),
                model: cfg.engine_model.clone(),
                api_key: cfg
                    .engine_api_key_env
                    .as_ref()
                    .and_then(|v| std::env::var(v).ok()),
                timeout: std::time::Duration::from_secs(cfg.engine_timeout_seconds),
                template_dir: cfg.model_dir.clone(),
            }),
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
    /// The profile completed with the books' vendors, customers and items.
    profile: &'a BusinessProfile,
    ledger: &'a books::Ledger,
    rules: Vec<rules::Rule>,
    /// What approvals taught about the counterparty (looked up once the direction is known).
    memory: Option<crate::store::books::Memory>,
    /// The counterparty's transaction history in the books.
    history: Option<history::History>,
    fired: Vec<rules::Fired>,
    registry: Registry,
    table: decisions::Table,
    chart: chart::Chart,
    text: DocumentText,
    outcome: &'a mut Outcome,
    metrics: &'a mut Vec<StageMetrics>,
    warnings: Vec<String>,
    /// Per field, its decision and candidates (`result.reading`).
    reading: Value,
}

/// Stage 2.7: the document's exchange rate, or a warning when none was imported for its date.
fn exchange_of(cx: &mut Ctx<'_>, extracted: &Value) -> Result<Option<Value>> {
    let currency = cx.profile.currency.as_deref();
    Ok(match exchange::exchange(cx.store, extracted, currency)? {
        Ok(x) => x,
        Err(w) => {
            cx.warnings.push(w);
            None
        }
    })
}

/// The sales-tax rule that decided the PRIMARY mapping `m`'s tax, named in `rules_fired`.
fn name_tax_rule(fired: &mut Vec<rules::Fired>, m: &Value) {
    let t = &m["tax_treatment"];
    if let (Some(rule), true) = (t["rule"].as_str(), m["action_type"] == "PRIMARY") {
        fired.push(rules::Fired {
            rule: rule.replace('_', " "),
            effect: format!(
                "tax {} to {}: {}",
                t["amount"],
                t["account"].as_str().unwrap_or(""),
                t["why"].as_str().unwrap_or("")
            ),
        });
    }
}

/// The business rules that send the document to review, as warnings.
fn rule_reviews(cx: &mut Ctx<'_>, party: &str, extracted: &Value) {
    let presets = presets::Presets {
        profile: cx.profile,
        rules: &cx.rules,
        memory: None,
        history: None,
        itemised: false,
        ledger: cx.ledger,
        counterparty: party,
        total: crate::extract::money::decimal(&extracted["total"]),
    };
    let reviews = presets.reviews(&mut cx.fired);
    cx.warnings.extend(reviews);
}

/// The result: review reasons and status, the combined result with what the run found
/// (`extras`: duplicate candidates, exchange), rules fired, vendor memory and the reading.
fn conclude(
    cx: Ctx<'_>,
    extracted: &Value,
    s1: &stage1::Stage1,
    mappings: Vec<Value>,
    extras: Value,
) -> Result<Status> {
    let primary = s1.output["suggested_actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["action_type"] == "PRIMARY"))
        .and_then(|p| mappings.iter().find(|m| m["action"] == p["action"]));
    let reasons = result::review_reasons(s1, extracted, primary, &cx.warnings);
    let status = result::status(&reasons);
    let mut r = result::combine(
        &cx.job.doc.file_name,
        s1,
        &mappings,
        status,
        &reasons,
        &cx.warnings,
    );
    r["duplicate_candidates"] = extras["duplicate_candidates"].clone();
    r["exchange"] = extras["exchange"].clone();
    r["rules_fired"] = serde_json::to_value(&cx.fired)?;
    r["vendor_memory"] = json!(cx.memory.as_ref().map(memory::provenance));
    r["history"] = json!(cx.history.as_ref().map(history::History::summary));
    r["reading"] = cx.reading;
    cx.outcome.result = Some(r);
    cx.outcome.stage2 = Some(Value::Array(mappings));
    cx.outcome.warnings = cx.warnings;
    Ok(status)
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
        let table = decisions::Table::for_software(&profile.accounting_software)?;
        let ledger = books::Ledger::load(store, profile)?;
        let completed = ledger.complete(profile);
        let chart = ledger.chart(&completed)?;
        // The rules file is the accountant's: edited into an error while the daemon runs, the
        // document waits (retried) instead of failing for a reason that is not its own.
        let rules = match &profile.rules_file {
            Some(f) => rules::load(f).map_err(|e| crate::failure::transient(format!("{e:#}")))?,
            None => Vec::new(),
        };
        let text = self.extractor.extract(&job.doc.original())?;
        let mut cx = Ctx {
            store,
            job,
            profile: &completed,
            ledger: &ledger,
            rules,
            memory: None,
            history: None,
            fired: Vec::new(),
            registry,
            table,
            chart,
            text,
            outcome,
            metrics,
            warnings: Vec::new(),
            reading: Value::Null,
        };
        let extracted = self.read_fields(&mut cx)?;
        let dupes = duplicates::find(cx.store, cx.job.doc.id, &extracted)?;
        cx.warnings
            .extend(dupes.iter().map(duplicates::Candidate::warning));
        cx.outcome.warnings = cx.warnings.clone();
        cx.store.set_status(cx.job, Status::Classifying)?;
        let sides = direction::decide(cx.profile, &extracted, &cx.text.text);
        if let Some(party) = sides.counterparty["name"].as_str() {
            cx.memory = memory::recall(cx.store, &cx.profile.name, party)?;
            cx.history = history::recall(cx.store, cx.ledger, party)?;
        }
        let exchange = exchange_of(&mut cx, &extracted)?;
        let s1 = self.stage1(&mut cx, &extracted, &sides)?;
        cx.store.set_status(cx.job, Status::Mapping)?;
        let mut mappings = self.stage2(&mut cx, &extracted, &sides, &s1)?;
        let w = ready::finish(
            cx.ledger,
            &cx.profile.accounting_software,
            exchange.as_ref(),
            &mut mappings,
        )?;
        cx.warnings.extend(w);
        let extras = json!({
            "duplicate_candidates": dupes,
            "exchange": exchange,
        });
        conclude(cx, &extracted, &s1, mappings, extras)
    }

    /// Fields: exact from an e-invoice, else candidates chosen by the model and the arithmetic.
    fn read_fields(&self, cx: &mut Ctx<'_>) -> Result<Value> {
        let business = fields::Business {
            name: &cx.profile.name,
            tax_id: cx.profile.tax_id.as_deref(),
            vendors: &cx.profile.vendors,
            customers: &cx.profile.customers,
            layout: None,
        };
        let read = fields::read_fields(
            &self.engine,
            &self.prompts,
            &cx.text,
            (
                cx.profile.country.as_deref(),
                cx.profile.currency.as_deref(),
            ),
            &business,
            &memory::Layouts {
                store: cx.store,
                business: &cx.profile.name,
            },
            cx.metrics,
            &mut cx.warnings,
        )?;
        cx.outcome.model = self.engine.loaded_info().map(|i| i.name).or_else(|| {
            self.engine
                .remote()
                .map(|r| format!("{} (server {})", self.engine.settings().model_id(), r.url()))
        });
        cx.outcome.extracted = Some(read.doc.clone());
        cx.reading = read.reading;
        Ok(read.doc)
    }

    fn stage1(
        &self,
        cx: &mut Ctx<'_>,
        extracted: &Value,
        sides: &direction::Sides,
    ) -> Result<stage1::Stage1> {
        let input = stage1::Stage1Input {
            extracted,
            text: &cx.text.text,
            profile: cx.profile,
            registry: &cx.registry,
            table: &cx.table,
            sides,
            memory: cx.memory.as_ref(),
            history: cx.history.as_ref(),
        };
        let s1 = stage1::run(&self.engine, &self.prompts, &input, cx.metrics)?;
        crate::schemas::validate(crate::schemas::Kind::Stage1, &s1.output)?;
        cx.outcome.stage1 = Some(s1.output.clone());
        Ok(s1)
    }

    /// Lines and their accounts (once per document), then every suggested action's mapping.
    fn stage2(
        &self,
        cx: &mut Ctx<'_>,
        extracted: &Value,
        sides: &direction::Sides,
        s1: &stage1::Stage1,
    ) -> Result<Vec<Value>> {
        let suggested = s1.output["suggested_actions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let party = sides.counterparty["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let mut lines = accounts::read_lines(extracted, &party);
        let posts_accounts = suggested.iter().any(|a| {
            a["action_type"] == "PRIMARY"
                && a["action"]
                    .as_str()
                    .and_then(|n| cx.registry.get(n))
                    .is_some_and(|act| {
                        act.required_fields
                            .iter()
                            .any(|f| f.source == "lines:accounts")
                    })
        });
        if posts_accounts {
            let currency = extracted["currency"]
                .as_str()
                .or(cx.profile.currency.as_deref())
                .unwrap_or("");
            let input = accounts::AccountsInput {
                profile: cx.profile,
                chart: &cx.chart,
                counterparty: &party,
                currency,
            };
            let presets = presets::Presets {
                profile: cx.profile,
                rules: &cx.rules,
                memory: cx.memory.as_ref(),
                history: cx.history.as_ref(),
                itemised: lines.itemised,
                ledger: cx.ledger,
                counterparty: &party,
                total: crate::extract::money::decimal(&extracted["total"]),
            };
            let fired = accounts::decide(
                &self.engine,
                &self.prompts,
                &input,
                &presets,
                &mut lines,
                cx.metrics,
            )?;
            cx.fired.extend(fired);
        }
        rule_reviews(cx, &party, extracted);
        let input = stage2::Stage2Input {
            file_name: &cx.job.doc.file_name,
            extracted,
            profile: cx.profile,
            registry: &cx.registry,
            chart: &cx.chart,
            sides,
            lines: &lines,
            suggested: &suggested,
        };
        let mut out = Vec::new();
        for s in &suggested {
            if let Some(m) = stage2::map(&input, s) {
                crate::schemas::validate(crate::schemas::Kind::Stage2, &m)?;
                name_tax_rule(&mut cx.fired, &m);
                out.push(m);
            }
        }
        Ok(out)
    }
}
