//! `zopilot bench replay --corpus DIR --history FILE [--accounts FILE]`: the labelled documents
//! of `DIR/labels.json` in date order, as an accountant would meet them — each processed, then
//! approved with its labels (`zopilot approve` with the label's PRIMARY, counterparty, header
//! fields and line accounts as corrections), so that memory and the transaction history learn
//! as they go. Before the first document of a business, `FILE` (a transaction history export,
//! any format `zopilot books import` reads) is imported into its books.
//!
//! Printed: one line per document (its position — the `first` document of its vendor for its
//! business, or a `later` one —, status, whether it was right, why it went to review), then per
//! position the share `classified` and how many of those were right: PRIMARY among the accepted,
//! every labelled header field, and every line's account the labelled one.
//!
//! Documents replayed: those whose line accounts are known — `lines[].account` in the label, or
//! `--accounts FILE` (`{"<file>": "Account"}`: every line; or `["Account of line 1", …]`).
//! A document whose labels repeat an earlier one's (a rotated or scanned copy of it) is skipped:
//! it is the same document again, which the duplicate check rightly sends to review.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use super::pipeline::profile_from_label;
use super::replay_items::{accounts_right, corrections, items, reason_kind, Item};
use super::score::score;
use super::scratch::tempfile_dir;
use super::stats::pct;
use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::memory::approve;
use crate::pipeline::{self, Pipeline};
use crate::store::books::{business_key, Posted};
use crate::store::{Document, Policy, Store};
use crate::worker::{finish, originals::Moves};

/// What the replay reads.
pub(super) struct Replay<'a> {
    pub corpus: &'a Path,
    pub history: &'a Path,
    pub accounts: Option<&'a Path>,
    pub only: Option<&'a str>,
    /// Also write every stored row (with its label, position and whether it was right) here.
    pub json: Option<&'a Path>,
}

/// Per group of documents: how many, classified, classified and right.
#[derive(Default)]
struct Tally {
    docs: usize,
    classified: usize,
    right: usize,
}

/// The figures: per group (`first`, `later`, `with history` …), per position and kind of review
/// reason, and the rows kept for `--json`.
#[derive(Default)]
struct Totals {
    groups: BTreeMap<&'static str, Tally>,
    why_review: BTreeMap<(&'static str, String), usize>,
    rows: Vec<Value>,
}

impl Totals {
    fn add(&mut self, position: &'static str, row: &Value, right: bool) {
        let classified = row["status"] == "classified";
        let covered = if row["result"]["history"].is_null() {
            "without history"
        } else {
            "with history"
        };
        for key in [position, covered, "all"] {
            let t = self.groups.entry(key).or_default();
            t.docs += 1;
            t.classified += classified as usize;
            t.right += right as usize;
        }
        let kinds: BTreeSet<String> = reasons(row).iter().map(|r| reason_kind(r)).collect();
        for k in kinds {
            *self.why_review.entry((position, k)).or_default() += 1;
        }
    }

    fn print(&self) {
        println!();
        for (key, name) in [
            ("first", "first document of a vendor"),
            ("later", "later documents of a vendor"),
            ("with history", "documents whose vendor the history covers"),
            (
                "without history",
                "documents whose vendor the history does not cover",
            ),
            ("all", "all documents"),
        ] {
            if let Some(t) = self.groups.get(key) {
                println!(
                    "{name}: {} documents, classified {} of {} ({}), right among the classified {}",
                    t.docs,
                    t.classified,
                    t.docs,
                    pct((t.classified, t.docs)),
                    pct((t.right, t.classified))
                );
            }
        }
        for ((position, kind), n) in &self.why_review {
            println!("review reason of {position} documents: {kind}: {n}");
        }
    }
}

fn reasons(row: &Value) -> Vec<&str> {
    row["result"]["review_reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn read_json(p: &Path) -> Result<Value> {
    serde_json::from_str(
        &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
    )
    .with_context(|| format!("parsing {}", p.display()))
}

/// The replay under way: one store per business (its books hold the history), the vendors met.
struct Replayer<'a> {
    pipeline: Pipeline,
    scratch: std::path::PathBuf,
    corpus: &'a Path,
    history: Vec<Posted>,
    stores: HashMap<String, Store>,
    met: HashSet<(String, String)>,
}

impl Replayer<'_> {
    /// The store of `business`, its books holding the history from the start.
    fn store(&mut self, business: &str) -> Result<Store> {
        if let Some(s) = self.stores.get(business) {
            return Ok(s.clone());
        }
        let key = business_key(business);
        let s = Store::open(&self.scratch.join(format!("{key}.sqlite3")))?;
        s.import_history(&key, &self.history, "replay history")?;
        self.stores.insert(business.to_string(), s.clone());
        Ok(s)
    }

    /// Process document `i` in its business's store: the stored row.
    fn process(&self, store: &Store, i: usize, label: &Value) -> Result<(Value, Document)> {
        let src = self.corpus.join(label["file"].as_str().unwrap_or_default());
        let copy = self.scratch.join(format!(
            "{i:03}_{}",
            src.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::copy(&src, &copy).with_context(|| format!("copying {}", src.display()))?;
        let policy = Policy {
            max_attempts: 1,
            ..Policy::default()
        };
        let id = store.enqueue(&copy, "bench", 0)?.id();
        let job = store.claim(Some(id), "bench", &policy)?.context("claim")?;
        let run = self
            .pipeline
            .run(&**store, &job, &profile_from_label(&label["business"]));
        finish::finish(&**store, &job, &run, &policy, &Moves::default())?;
        let doc = store.document(id)?.context("row")?;
        Ok((serde_json::to_value(&doc)?, doc))
    }

    /// Replay document `i`: process, score, approve with its labels; print its line.
    fn step(&mut self, i: usize, item: &Item, totals: &mut Totals, keep: bool) -> Result<()> {
        let store = self.store(&item.vendor.0)?;
        let position = if self.met.insert(item.vendor.clone()) {
            "first"
        } else {
            "later"
        };
        let (row, doc) = self.process(&store, i, &item.label)?;
        let classified = row["status"] == "classified";
        let right = classified
            && score(&row, &item.label, None).right
            && accounts_right(&row, &item.accounts);
        totals.add(position, &row, right);
        let sets = corrections(&row, item);
        let approved = approve(&*store, &doc, &sets).or_else(|_| {
            // A labelled header field the correction check refuses: approve without them.
            let plain: Vec<String> = sets
                .iter()
                .filter(|s| !s.starts_with("field."))
                .cloned()
                .collect();
            approve(&*store, &doc, &plain)
        });
        let why: Vec<String> = reasons(&row)
            .iter()
            .map(|s| s.chars().take(60).collect())
            .collect();
        let file: String = item.label["file"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(44)
            .collect();
        println!(
            "{i:>3} {position:<5} {file:<44} {:<16} {:<5} {}{}",
            row["status"].as_str().unwrap_or(""),
            match (classified, right) {
                (false, _) => "-",
                (true, true) => "right",
                (true, false) => "WRONG",
            },
            why.join("; "),
            approved
                .err()
                .map(|e| format!(" (not approved: {e})"))
                .unwrap_or_default()
        );
        if keep {
            let mut kept = row;
            kept["label"] = item.label.clone();
            kept["replay"] = json!({"position": position, "right": right, "corrections": sets});
            totals.rows.push(kept);
        }
        Ok(())
    }
}

pub(super) fn run(cfg: &Config, r: Replay<'_>) -> Result<ExitCode> {
    let labels = read_json(&r.corpus.join("labels.json"))?;
    let accounts = match r.accounts {
        Some(p) => read_json(p)?,
        None => Value::Null,
    };
    let history: Vec<Posted> = crate::books::read_export(r.history)?.history;
    anyhow::ensure!(
        !history.is_empty(),
        "{} holds no transaction history (a list export?)",
        r.history.display()
    );
    let (items, copies) = items(&labels, &accounts, r.only);
    anyhow::ensure!(
        !items.is_empty(),
        "no labelled document with line accounts to replay"
    );
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let info = engine.info().map_err(|e| anyhow::anyhow!("{e}"))?;
    let vendors: HashSet<&(String, String)> = items.iter().map(|i| &i.vendor).collect();
    println!(
        "model: {}; replaying {} documents of {} vendors in date order ({copies} copies of a document left out), history {} ({} posted lines)",
        info.name,
        items.len(),
        vendors.len(),
        r.history.display(),
        history.len()
    );
    let mut replayer = Replayer {
        pipeline: Pipeline::new(cfg, engine)?,
        scratch: tempfile_dir()?,
        corpus: r.corpus,
        history,
        stores: HashMap::new(),
        met: HashSet::new(),
    };
    let mut totals = Totals::default();
    for (i, item) in items.iter().enumerate() {
        replayer.step(i, item, &mut totals, r.json.is_some())?;
    }
    totals.print();
    if let Some(p) = r.json {
        std::fs::write(p, serde_json::to_string_pretty(&totals.rows)?)?;
    }
    let _ = std::fs::remove_dir_all(&replayer.scratch);
    Ok(ExitCode::SUCCESS)
}
