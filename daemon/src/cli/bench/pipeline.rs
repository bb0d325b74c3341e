//! `zopilot bench pipeline --corpus DIR [--json FILE]`: every document of `DIR/labels.json`
//! through the whole pipeline (a scratch database per document, the configured model), scored
//! against its label ([`super::score`]). Prints one line per document (status, PRIMARY, what was
//! wrong, seconds), then accuracy per family and per stage (extraction: header fields and lines;
//! Stage 1: kind, direction, PRIMARY; Stage 2: the PRIMARY's required fields), how many results
//! were `classified` and how many of those were right, and model time per stage.
//!
//! `--json FILE` writes the stored rows (`../shared/contract/bench_rows.md`): one object per
//! labelled document, in `labels.json` order, `file_name` = `NN_<original name>`, plus the label
//! and the score.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::Value;

use super::score::{score, Score};
use super::scratch::tempfile_dir;
use super::stats::pct;
use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::{self, profile::BusinessProfile, Pipeline};
use crate::store::{Policy, Store};
use crate::worker::{finish, originals::Moves};

/// The business profile of a label's `business` object (name, country, currency, sector,
/// accounting method, inventory).
pub(super) fn profile_from_label(b: &Value) -> BusinessProfile {
    let mut p = BusinessProfile::named(b["name"].as_str().unwrap_or("Business"));
    let s = |k: &str| b[k].as_str().map(str::to_string);
    p.country = s("country");
    p.currency = s("currency");
    p.sector = s("sector");
    p.accounting_method = s("accounting_method");
    p.has_inventory = b["has_inventory"].as_bool();
    p
}

/// Totals of a group of documents.
#[derive(Default)]
struct Tally {
    docs: usize,
    primary: (usize, usize),
    review: (usize, usize),
    fields: (usize, usize),
    lines: (usize, usize),
    stage2: (usize, usize),
    classified: (usize, usize),
    /// Classified but for the line accounts (right, of): [`super::score::settled_but_accounts`].
    reading_settled: (usize, usize),
    accounts: (usize, usize),
    accounts_by_model: (usize, usize),
    seconds: f64,
}

impl Tally {
    fn add(&mut self, s: &Score, (classified, settled): (bool, bool), seconds: f64) {
        let pair = |p: &mut (usize, usize), v: Option<bool>| {
            if let Some(v) = v {
                p.0 += v as usize;
                p.1 += 1;
            }
        };
        self.docs += 1;
        pair(&mut self.primary, s.primary);
        pair(&mut self.review, s.review);
        pair(&mut self.lines, s.lines);
        self.fields.0 += s.fields_ok;
        self.fields.1 += s.fields_total;
        self.stage2.0 += s.stage2_ok;
        self.stage2.1 += s.stage2_total;
        if classified {
            self.classified.0 += s.right as usize;
            self.classified.1 += 1;
        }
        if settled {
            self.reading_settled.0 += s.right as usize;
            self.reading_settled.1 += 1;
        }
        self.accounts.0 += s.accounts.0;
        self.accounts.1 += s.accounts.1;
        self.accounts_by_model.0 += s.accounts_by_model.0;
        self.accounts_by_model.1 += s.accounts_by_model.1;
        self.seconds += seconds;
    }
}

/// Run one labelled document: (stored row, seconds).
fn run_one(
    pipeline: &Pipeline,
    corpus: &Path,
    scratch: &Path,
    i: usize,
    d: &Value,
) -> Result<(Value, f64)> {
    let rel = d["file"].as_str().unwrap_or_default();
    let src = corpus.join(rel);
    // A copy per label (`NN_<name>`): the same file may be labelled for two businesses.
    let copy = scratch.join(format!(
        "{i:02}_{}",
        src.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::copy(&src, &copy).with_context(|| format!("copying {}", src.display()))?;
    // A database per document: one database would rightly flag the second labelling as a duplicate.
    let store = Store::open(&scratch.join(format!("{i:02}.sqlite3")))?;
    let policy = Policy {
        max_attempts: 1,
        ..Policy::default()
    };
    let id = store.enqueue(&copy, "bench", 0)?.id();
    let job = store.claim(Some(id), "bench", &policy)?.context("claim")?;
    let run = pipeline.run(&*store, &job, &profile_from_label(&d["business"]));
    finish::finish(&*store, &job, &run, &policy, &Moves::default())?;
    let row = store.document(id)?.context("row")?;
    let _ = std::fs::remove_file(&copy);
    Ok((serde_json::to_value(&row)?, run.seconds))
}

fn print_row(i: usize, d: &Value, row: &Value, s: &Score, seconds: f64) {
    let rel = d["file"].as_str().unwrap_or_default();
    let mark = |b: Option<bool>| match b {
        Some(true) => "ok",
        Some(false) => "MISS",
        None => "-",
    };
    let mut notes: Vec<String> = Vec::new();
    if !s.field_misses.is_empty() {
        notes.push(format!("fields: {}", s.field_misses.join(",")));
    }
    if s.lines == Some(false) {
        notes.push("lines".into());
    }
    if !s.stage2_misses.is_empty() {
        notes.push(format!("stage2: {}", s.stage2_misses.join(",")));
    }
    if let Some(e) = row["error"].as_str() {
        notes.push(format!(
            "error: {}",
            e.chars().take(100).collect::<String>()
        ));
    }
    println!(
        "{i:>2} {:<38} {:<16} {:<22} {:<4} {:>6.1}s  {}",
        rel.chars().take(38).collect::<String>(),
        row["status"].as_str().unwrap_or(""),
        row["result"]["primary_action"].as_str().unwrap_or("-"),
        mark(s.primary.or(s.review)),
        seconds,
        notes.join("; ")
    );
}

/// Everything the bench sums over the documents it ran.
#[derive(Default)]
struct Totals {
    by_family: BTreeMap<String, Tally>,
    all: Tally,
    by_split: BTreeMap<String, Tally>,
    recall: super::recall::Recall,
    stages: BTreeMap<String, StageTally>,
    /// (kind right, direction right, labelled with both).
    kind_direction: (usize, usize, usize),
}

impl Totals {
    fn add(&mut self, row: &Value, d: &Value, s: &Score, seconds: f64) {
        let classified = (
            row["status"] == "classified",
            super::score::settled_but_accounts(row),
        );
        let family = d["family"]
            .as_str()
            .unwrap_or(d["document_type"].as_str().unwrap_or("-"))
            .to_string();
        self.by_family
            .entry(family)
            .or_default()
            .add(s, classified, seconds);
        self.all.add(s, classified, seconds);
        if let Some(split) = d["split"].as_str() {
            self.by_split
                .entry(split.to_string())
                .or_default()
                .add(s, classified, seconds);
        }
        self.recall.add(row, d);
        let sa = &row["stage1"]["semantic_analysis"];
        if d["direction"].is_string() {
            let kd = &mut self.kind_direction;
            kd.2 += 1;
            kd.1 += (sa["document_direction"] == d["direction"]) as usize;
            let kind = d["document_type"].as_str().unwrap_or("");
            kd.0 += (sa["document_type"] == kind
                || (kind == "letter" && sa["document_type"] == "other"))
                as usize;
        }
        for st in row["metrics"]["stages"].as_array().into_iter().flatten() {
            self.stages
                .entry(st["stage"].as_str().unwrap_or("").to_string())
                .or_default()
                .add(st);
        }
    }

    fn print(&self) {
        report(
            &self.by_family,
            &self.all,
            self.kind_direction,
            &self.stages,
        );
        for (split, t) in &self.by_split {
            println!(
                "split {split}: {} documents; PRIMARY {}, header fields {}, classified {} of {} (right {}), reading settled {} (right {})",
                t.docs,
                pct(t.primary),
                pct(t.fields),
                t.classified.1,
                t.docs,
                pct(t.classified),
                t.reading_settled.1,
                pct(t.reading_settled)
            );
        }
        self.recall.print();
    }
}

/// Which labelled documents to run.
pub(super) struct Select<'a> {
    /// Only file paths containing this.
    pub only: Option<&'a str>,
    /// Only this half (`dev`, `test`) of a split set.
    pub split: Option<&'a str>,
}

impl Select<'_> {
    fn takes(&self, d: &Value) -> bool {
        self.only
            .is_none_or(|o| d["file"].as_str().unwrap_or("").contains(o))
            && self.split.is_none_or(|s| d["split"] == s)
    }
}

pub(super) fn run(
    cfg: &Config,
    corpus: &Path,
    select: Select<'_>,
    json_out: Option<&Path>,
) -> Result<ExitCode> {
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("labels.json"))
            .with_context(|| format!("reading {}/labels.json", corpus.display()))?,
    )?;
    let scratch = tempfile_dir()?;
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let pipeline = Pipeline::new(cfg, engine.clone())?;
    let t0 = std::time::Instant::now();
    let info = engine.info().map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "model: {} on {:?}, loaded in {:.2} s",
        info.name,
        cfg.execution_provider,
        t0.elapsed().as_secs_f64()
    );
    let mut totals = Totals::default();
    let mut rows = Vec::new();
    for (i, d) in labels["documents"]
        .as_array()
        .context("labels.json: no documents")?
        .iter()
        .enumerate()
    {
        if !select.takes(d) {
            continue;
        }
        let (mut row, seconds) = run_one(&pipeline, corpus, &scratch, i, d)?;
        let truth = d["fields"]
            .as_str()
            .and_then(|f| std::fs::read_to_string(corpus.join(f)).ok())
            .and_then(|t| serde_json::from_str(&t).ok());
        let s = score(&row, d, truth.as_ref());
        print_row(i, d, &row, &s, seconds);
        totals.add(&row, d, &s, seconds);
        row["label"] = d.clone();
        row["score"] = serde_json::to_value(&s)?;
        rows.push(row);
    }
    totals.print();
    if let Some(r) = engine.remote() {
        use std::sync::atomic::Ordering::Relaxed;
        println!(
            "option scorings on the server {}: {}; on the local model after a server failure: {}",
            r.url(),
            r.served.load(Relaxed),
            r.fell_back.load(Relaxed)
        );
    }
    if let Some(p) = json_out {
        std::fs::write(p, serde_json::to_string_pretty(&rows)?)?;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

fn report(
    by_family: &BTreeMap<String, Tally>,
    all: &Tally,
    kd: (usize, usize, usize),
    stages: &BTreeMap<String, StageTally>,
) {
    println!();
    println!(
        "{:<18} {:>5} {:>13} {:>12} {:>14} {:>12} {:>13} {:>8}",
        "family", "docs", "PRIMARY", "review", "header fields", "lines", "stage 2 req.", "s/doc"
    );
    let line = |name: &str, t: &Tally| {
        println!(
            "{:<18} {:>5} {:>13} {:>12} {:>14} {:>12} {:>13} {:>8.1}",
            name,
            t.docs,
            pct(t.primary),
            pct(t.review),
            pct(t.fields),
            pct(t.lines),
            pct(t.stage2),
            t.seconds / t.docs.max(1) as f64
        )
    };
    for (f, t) in by_family {
        line(f, t);
    }
    line("ALL", all);
    println!();
    println!("per stage: extraction header fields {}, lines {}; Stage 1 kind {}, direction {}, PRIMARY {} (+ review {}); Stage 2 required fields {}",
        pct(all.fields), pct(all.lines), pct((kd.0, kd.2)), pct((kd.1, kd.2)), pct(all.primary), pct(all.review), pct(all.stage2));
    println!(
        "line accounts (judgment): {} right, of which decided by the model {}",
        pct(all.accounts),
        pct(all.accounts_by_model)
    );
    println!(
        "classified: {} of {} documents; right among them: {}",
        all.classified.1,
        all.docs,
        pct(all.classified)
    );
    println!(
        "reading settled (classified but for line accounts, which come from the books): {} of {} documents; right among them: {}",
        all.reading_settled.1,
        all.docs,
        pct(all.reading_settled)
    );
    println!(
        "wall: {:.1} s, {:.1} s per document",
        all.seconds,
        all.seconds / all.docs.max(1) as f64
    );
    for (s, t) in stages {
        println!(
            "  model {s:<24} {:>4} calls {:>8.1} s: prompt {} tokens ({} from the prefix cache), prefill {:.1} s, decode/scoring {} tokens {:.1} s",
            t.calls, t.seconds, t.prompt_tokens, t.cached_tokens, t.prefill_seconds, t.completion_tokens, t.decode_seconds
        );
    }
}

/// Model calls of one stage over the corpus, summed from the rows' `metrics.stages`.
#[derive(Default)]
struct StageTally {
    calls: usize,
    seconds: f64,
    prompt_tokens: u64,
    cached_tokens: u64,
    completion_tokens: u64,
    prefill_seconds: f64,
    decode_seconds: f64,
}

impl StageTally {
    fn add(&mut self, st: &Value) {
        let n = |k: &str| st[k].as_u64().unwrap_or(0);
        let f = |k: &str| st[k].as_f64().unwrap_or(0.0);
        self.calls += 1;
        self.seconds += f("seconds");
        self.prompt_tokens += n("prompt_tokens");
        self.cached_tokens += n("cached_tokens");
        self.completion_tokens += n("completion_tokens");
        self.prefill_seconds += f("prefill_seconds");
        self.decode_seconds += f("decode_seconds");
    }
}
