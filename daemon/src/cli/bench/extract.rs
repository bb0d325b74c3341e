//! `zopilot bench extract --corpus DIR`: extraction (layout text or OCR, then fields by the
//! configured model; e-invoice fields read exactly) scored against the corpus ground truth
//! `fields/*.json` (`[name, type, value]`). Header fields only (not `line*`).
//!
//! Field mapping: `invoice_number` → `invoice_number`; `date` → `issue_date`; `date_due` →
//! `due_date`; `amount` → `total`; `amount_untaxed` → `subtotal`; `partner_name` → the issuing
//! party's name; `vat` / `gstin` → a party's `tax_id`; any other identifier (`order_id`,
//! `client_id`, `cin`, `booking_id`) → a `reference_numbers` value or the invoice number.
//! Match: dates equal, amounts within 0.01, strings equal after removing whitespace and case.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::{self, fields::read_fields, Pipeline};

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn str_eq(got: &Value, want: &str) -> bool {
    got.as_str().is_some_and(|g| norm(g) == norm(want))
}

/// Whether the extracted document `x` has the ground-truth field `name` = `want`.
pub fn matches(x: &Value, name: &str, kind: &str, want: &Value) -> bool {
    let amount = |got: &Value| {
        got.as_f64()
            .zip(want.as_f64())
            .is_some_and(|(g, w)| (g - w).abs() <= 0.01 + 1e-9)
    };
    let w = want.as_str().unwrap_or_default();
    match name {
        "invoice_number" => str_eq(&x["invoice_number"], w),
        "date" => x["issue_date"].as_str() == Some(w),
        "date_due" => x["due_date"].as_str() == Some(w),
        "amount" => amount(&x["total"]),
        "amount_untaxed" => amount(&x["subtotal"]),
        "partner_name" => str_eq(&x["from"]["name"], w),
        "vat" | "gstin" => str_eq(&x["from"]["tax_id"], w) || str_eq(&x["to"]["tax_id"], w),
        _ if kind == "amount" => false,
        _ => {
            str_eq(&x["invoice_number"], w)
                || x["reference_numbers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| str_eq(&r["value"], w))
        }
    }
}

/// The documents a `fields/<stem>.json` file describes (a scan may exist as a PDF and as an
/// image), with their folder.
fn documents_for(corpus: &Path, stem: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for (folder, exts) in [
        ("pdf", &["pdf"][..]),
        ("scanpdf", &["pdf"]),
        ("img", &["png", "jpg", "jpeg", "tif", "tiff", "webp"]),
    ] {
        for ext in exts {
            let p = corpus.join(folder).join(format!("{stem}.{ext}"));
            if p.is_file() {
                out.push((folder.to_string(), p));
            }
        }
    }
    out
}

#[derive(Default)]
struct Group {
    matched: usize,
    total: usize,
    pages: usize,
    docs: usize,
    text_seconds: f64,
    llm_seconds: f64,
}

pub(super) fn run(cfg: &Config, corpus: &Path, only: Option<&str>) -> Result<ExitCode> {
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let pipeline = Pipeline::new(cfg, engine.clone())?;
    let model = engine.info().map_err(|e| anyhow::anyhow!("{e}"))?.name;
    println!("model: {model} on {:?}", cfg.execution_provider);
    println!(
        "{:<40} {:<8} {:>7} {:>9} {:>7} {:>7}  misses",
        "document", "folder", "fields", "matched", "text s", "llm s"
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("fields"))
        .with_context(|| format!("{}/fields", corpus.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut groups: std::collections::BTreeMap<String, Group> = Default::default();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        if only.is_some_and(|o| !stem.contains(o)) {
            continue;
        }
        let truth: Vec<(String, String, Value)> =
            serde_json::from_str(&std::fs::read_to_string(&f)?)?;
        for (folder, doc) in documents_for(corpus, &stem) {
            let t0 = Instant::now();
            let text = pipeline.extractor().extract(&doc);
            let text_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let x = match &text {
                Ok(t) => read_fields(
                    &engine,
                    pipeline.prompts(),
                    t,
                    (None, None),
                    &pipeline::fields::Business {
                        name: "",
                        tax_id: None,
                        vendors: &[],
                        customers: &[],
                        layout: None,
                    },
                    &pipeline::fields::layout::NoMemory,
                    &mut Vec::new(),
                    &mut Vec::new(),
                )
                .map(|f| f.doc),
                Err(e) => Err(anyhow::anyhow!("{e:#}")),
            };
            let llm_s = t1.elapsed().as_secs_f64();
            if std::env::var_os("ZOPILOT_BENCH_VERBOSE").is_some() {
                if let Ok(x) = &x {
                    eprintln!("{stem}: {x:#}");
                }
            }
            let (header, ok, misses) = score(&x, &truth);
            let pages = text.as_ref().map(|t| t.pages).unwrap_or(1);
            let g = groups.entry(folder.clone()).or_default();
            g.matched += ok;
            g.total += header;
            g.pages += pages;
            g.docs += 1;
            g.text_seconds += text_s;
            g.llm_seconds += llm_s;
            println!(
                "{:<40} {:<8} {:>7} {:>9} {:>7.2} {:>7.2}  {}",
                doc.file_name().unwrap().to_string_lossy(),
                folder,
                header,
                format!("{ok} ({:.0}%)", 100.0 * ok as f64 / header.max(1) as f64),
                text_s,
                llm_s,
                misses.join(", ")
            );
        }
    }
    print_summary(&groups);
    Ok(ExitCode::SUCCESS)
}

/// Header fields of `truth` (not `line*`) and how many `x` matches: (fields, matched, misses).
fn score(x: &Result<Value>, truth: &[(String, String, Value)]) -> (usize, usize, Vec<String>) {
    let header: Vec<&(String, String, Value)> = truth
        .iter()
        .filter(|(n, _, _)| !n.starts_with("line"))
        .collect();
    let (mut ok, mut misses) = (0, Vec::new());
    match x {
        Ok(x) => {
            for (name, kind, want) in &header {
                if matches(x, name, kind, want) {
                    ok += 1;
                } else {
                    misses.push(name.clone());
                }
            }
        }
        Err(e) => misses.push(format!("error: {e:#}")),
    }
    (header.len(), ok, misses)
}

/// Per folder and overall: matched header fields, seconds per page, seconds per document.
fn print_summary(groups: &std::collections::BTreeMap<String, Group>) {
    println!();
    println!(
        "{:<10} {:>14} {:>22} {:>14}",
        "folder", "header fields", "text/OCR s per page", "fields s/doc"
    );
    let (mut m, mut t) = (0, 0);
    for (name, g) in groups {
        m += g.matched;
        t += g.total;
        println!(
            "{:<10} {:>14} {:>22.2} {:>14.2}",
            name,
            format!(
                "{}/{} {:.1}%",
                g.matched,
                g.total,
                100.0 * g.matched as f64 / g.total.max(1) as f64
            ),
            g.text_seconds / g.pages.max(1) as f64,
            g.llm_seconds / g.docs.max(1) as f64,
        );
    }
    println!(
        "{:<10} {:>14}",
        "overall",
        format!("{m}/{t} {:.1}%", 100.0 * m as f64 / t.max(1) as f64)
    );
    println!("(pdf = text layer path; img and scanpdf = OCR path)");
}
