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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::Value;

use super::pipeline::profile_from_label;
use super::score::{score, text_eq};
use super::scratch::tempfile_dir;
use super::stats::pct;
use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::memory::{approve, counterparty_key};
use crate::pipeline::{self, Pipeline};
use crate::store::books::{business_key, Posted};
use crate::store::{Policy, Store};
use crate::worker::{finish, originals::Moves};

/// One document to replay: its label, expected line accounts, vendor and position.
struct Item {
    label: Value,
    /// One account per line, or one for every line.
    accounts: Vec<String>,
    /// `(business, counterparty key)`.
    vendor: (String, String),
}

/// Per position: (documents, classified, classified and right).
#[derive(Default)]
struct Tally {
    docs: usize,
    classified: usize,
    right: usize,
}

impl Tally {
    fn line(&self, name: &str) -> String {
        format!(
            "{name}: {} documents, classified {} of {} ({}), right among the classified {}",
            self.docs,
            self.classified,
            self.docs,
            pct((self.classified, self.docs)),
            pct((self.right, self.classified))
        )
    }
}

/// The accounts a label gives its lines: `lines[].account`, else `accounts[file]`.
fn expected(label: &Value, accounts: &Value) -> Vec<String> {
    let own: Vec<String> = label["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["account"].as_str().map(str::to_string))
        .collect();
    if !own.is_empty() {
        return own;
    }
    match &accounts[label["file"].as_str().unwrap_or("")] {
        Value::String(a) => vec![a.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The label's counterparty: the issuer of an incoming document, the recipient of an outgoing one.
fn counterparty(label: &Value) -> Option<&str> {
    let f = &label["fields"];
    if label["direction"] == "outgoing" {
        f["to.name"].as_str()
    } else {
        f["from.name"].as_str()
    }
}

/// The documents to replay, in date order (undated last), copies left out (counted).
fn items(labels: &Value, accounts: &Value, only: Option<&str>) -> (Vec<Item>, usize) {
    let mut seen = HashSet::new();
    let mut copies = 0;
    let mut out: Vec<Item> = Vec::new();
    for d in labels["documents"].as_array().into_iter().flatten() {
        let file = d["file"].as_str().unwrap_or("");
        let accounts = expected(d, accounts);
        if accounts.is_empty() || only.is_some_and(|o| !file.contains(o)) {
            continue;
        }
        let business = d["business"]["name"].as_str().unwrap_or("").to_string();
        let f = &d["fields"];
        let same = format!(
            "{business}|{}|{}|{}|{}",
            counterparty(d).map(counterparty_key).unwrap_or_default(),
            f["invoice_number"],
            f["issue_date"],
            f["total"]
        );
        if !seen.insert(same) {
            copies += 1;
            continue;
        }
        let party = counterparty(d)
            .map(counterparty_key)
            .unwrap_or_else(|| file.to_string());
        out.push(Item {
            label: d.clone(),
            accounts,
            vendor: (business, party),
        });
    }
    out.sort_by_key(|i| {
        i.label["fields"]["issue_date"]
            .as_str()
            .unwrap_or("9999")
            .to_string()
    });
    (out, copies)
}

/// Whether every line of the stored PRIMARY went to its expected account.
fn accounts_right(row: &Value, want: &[String]) -> bool {
    let lines = row["result"]["suggested_actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["action_type"] == "PRIMARY"))
        .and_then(crate::pipeline::mapping::lines_of);
    let Some(lines) = lines.filter(|l| !l.is_empty()) else {
        return false;
    };
    let account = |l: &Value| {
        Value::from(crate::pipeline::memory::unref(
            l["account"].as_str().unwrap_or(""),
        ))
    };
    if want.len() == 1 {
        return lines
            .iter()
            .all(|l| text_eq(&account(l), &Value::from(want[0].as_str())));
    }
    lines.len() == want.len()
        && lines
            .iter()
            .zip(want)
            .all(|(l, w)| text_eq(&account(l), &Value::from(w.as_str())))
}

/// The corrections that approve `row` as its label says.
fn corrections(row: &Value, item: &Item) -> Vec<String> {
    let label = &item.label;
    let mut sets = Vec::new();
    let accepted: Vec<&str> = label["primary_any_of"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let primary = row["result"]["primary_action"].as_str().unwrap_or("");
    if let (false, Some(first)) = (accepted.contains(&primary), accepted.first()) {
        sets.push(format!("action={first}"));
    }
    if let Some(p) = counterparty(label) {
        sets.push(format!("vendor={p}"));
    }
    for (k, v) in label["fields"].as_object().into_iter().flatten() {
        let key = k.as_str();
        if matches!(
            key,
            "invoice_number"
                | "issue_date"
                | "due_date"
                | "currency"
                | "subtotal"
                | "tax"
                | "total"
        ) {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            sets.push(format!("field.{key}={v}"));
        }
    }
    let lines = row["result"]["suggested_actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["action_type"] == "PRIMARY"))
        .and_then(crate::pipeline::mapping::lines_of)
        .map(Vec::len)
        .unwrap_or(0);
    let w = &item.accounts;
    if w.len() == lines && w.len() > 1 {
        sets.extend(
            w.iter()
                .enumerate()
                .map(|(i, a)| format!("line.{}.account={a}", i + 1)),
        );
    } else {
        // Several lines read where one account was labelled, or lines read otherwise than
        // labelled: the account most of the labelled lines go to.
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        w.iter().for_each(|a| *count.entry(a).or_default() += 1);
        if let Some((a, _)) = count.iter().max_by_key(|(_, n)| **n) {
            sets.push(format!("account={a}"));
        }
    }
    sets
}

/// The replay: what it reads and what it keeps.
pub(super) struct Replay<'a> {
    pub corpus: &'a Path,
    pub history: &'a Path,
    pub accounts: Option<&'a Path>,
    pub only: Option<&'a str>,
}

fn read_json(p: &Path) -> Result<Value> {
    serde_json::from_str(
        &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
    )
    .with_context(|| format!("parsing {}", p.display()))
}

/// Process one document in its business's store: the stored row and seconds.
fn run_one(
    pipeline: &Pipeline,
    store: &Store,
    scratch: &Path,
    corpus: &Path,
    i: usize,
    label: &Value,
) -> Result<(Value, crate::store::Document)> {
    let src = corpus.join(label["file"].as_str().unwrap_or_default());
    let copy: PathBuf = scratch.join(format!(
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
    let run = pipeline.run(&**store, &job, &profile_from_label(&label["business"]));
    finish::finish(&**store, &job, &run, &policy, &Moves::default())?;
    let doc = store.document(id)?.context("row")?;
    Ok((serde_json::to_value(&doc)?, doc))
}

// long: one loop that processes, scores, approves and tallies each document in turn
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
    let scratch = tempfile_dir()?;
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let pipeline = Pipeline::new(cfg, engine.clone())?;
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
    let mut stores: HashMap<String, Store> = HashMap::new();
    let mut met: HashSet<(String, String)> = HashSet::new();
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let business = &item.vendor.0;
        if !stores.contains_key(business) {
            let s = Store::open(&scratch.join(format!("{}.sqlite3", business_key(business))))?;
            s.import_history(&business_key(business), &history, "replay history")?;
            stores.insert(business.clone(), s);
        }
        let store = &stores[business];
        let position = if met.insert(item.vendor.clone()) {
            "first"
        } else {
            "later"
        };
        let (row, doc) = run_one(&pipeline, store, &scratch, r.corpus, i, &item.label)?;
        let classified = row["status"] == "classified";
        let right = classified
            && score(&row, &item.label, None).right
            && accounts_right(&row, &item.accounts);
        let covered = !row["result"]["history"].is_null();
        for key in [
            position,
            if covered {
                "with history"
            } else {
                "without history"
            },
            "all",
        ] {
            let t = tallies.entry(key).or_default();
            t.docs += 1;
            t.classified += classified as usize;
            t.right += right as usize;
        }
        let sets = corrections(&row, item);
        let approved = approve(&**store, &doc, &sets).or_else(|_| {
            // A labelled header field the correction check refuses: approve without them.
            let plain: Vec<String> = sets
                .iter()
                .filter(|s| !s.starts_with("field."))
                .cloned()
                .collect();
            approve(&**store, &doc, &plain)
        });
        let why: Vec<String> = row["result"]["review_reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(|s| s.chars().take(60).collect()))
            .collect();
        println!(
            "{i:>3} {position:<5} {:<44} {:<16} {:<5} {}{}",
            item.label["file"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(44)
                .collect::<String>(),
            row["status"].as_str().unwrap_or(""),
            if !classified {
                "-"
            } else if right {
                "right"
            } else {
                "WRONG"
            },
            why.join("; "),
            approved
                .err()
                .map(|e| format!(" (not approved: {e})"))
                .unwrap_or_default()
        );
    }
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
        if let Some(t) = tallies.get(key) {
            println!("{}", t.line(name));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}
