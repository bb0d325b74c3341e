//! `zopilot export --format csv [--status S] [--out FILE]`: the stored results as the 3-column CSV
//! QuickBooks Online's bank and expense upload accepts (`Date,Description,Amount`; Banking →
//! Upload transactions; <https://quickbooks.intuit.com/learn-support/en-us/help-article/bank-transactions/format-csv-files-excel-get-bank-transactions/L4ei9NbQZ_US_en_US>):
//! one row per document with a PRIMARY action and a total, money out negative, money in
//! positive; dates `MM/DD/YYYY` for a US business, else `DD/MM/YYYY`. Nothing is sent anywhere.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::config::Config;
use crate::store::{Document, Status, Store};

/// Kinds whose money flows the other way than their direction says (a credit returns money).
const REVERSED: &[&str] = &["credit_note", "refund_receipt"];

/// The CSV row of `doc`, or `None` when it records no money (no PRIMARY, no total, no date).
pub fn row(doc: &Document, us_dates: bool) -> Option<[String; 3]> {
    let r = doc.result.as_ref()?;
    r["primary_action"].as_str()?;
    let x = doc.extracted.as_ref()?;
    let total = x["total"].as_f64()?;
    let date = chrono::NaiveDate::parse_from_str(x["issue_date"].as_str()?, "%Y-%m-%d").ok()?;
    let money_in = r["direction"] == "outgoing";
    let reversed = REVERSED.contains(&x["document_type"].as_str().unwrap_or(""));
    let sign = if money_in != reversed { 1.0 } else { -1.0 };
    let party = r["counterparty"].as_str().unwrap_or("");
    let number = x["invoice_number"].as_str().unwrap_or("");
    let description = format!("{party} {number}").trim().to_string();
    Some([
        date.format(if us_dates { "%m/%d/%Y" } else { "%d/%m/%Y" })
            .to_string(),
        description,
        format!("{:.2}", sign * total),
    ])
}

pub fn run(
    cfg: &Config,
    format: &str,
    status: Option<&str>,
    out: Option<&PathBuf>,
) -> Result<ExitCode> {
    if format != "csv" {
        bail!("unknown export format {format:?} (csv)");
    }
    let status = match status {
        Some(s) => Some(Status::parse(s).with_context(|| format!("unknown status {s:?}"))?),
        None => None,
    };
    let store = Store::open_configured(cfg)?;
    let docs = store.documents(status, 1_000_000, 0)?;
    let us = |d: &Document| {
        d.business
            .as_ref()
            .and_then(|b| b["country"].as_str())
            .is_some_and(|c| c.eq_ignore_ascii_case("US"))
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["Date", "Description", "Amount"])?;
    let mut n = 0;
    for d in docs.iter().rev() {
        if let Some(r) = row(d, us(d)) {
            w.write_record(&r)?;
            n += 1;
        }
    }
    let bytes = w.into_inner().context("writing the CSV")?;
    match out {
        Some(p) => crate::private_file::write(p, &bytes)
            .with_context(|| format!("writing {}", p.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    eprintln!("{n} transactions exported");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(direction: &str, kind: &str) -> Document {
        let mut d: Document = serde_json::from_value(json!({
            "id": 1, "original_path": "/x", "file_name": "x", "sha256": "", "size_bytes": 0,
            "source": "cli", "status": "classified", "attempts": 1, "created_at": "", "updated_at": "",
            "started_at": null, "finished_at": null, "business": {"country": "US"}, "extracted": null,
            "stage1": null, "stage2": null, "result": null, "warnings": null, "metrics": null,
            "model": null, "error": null, "duplicate_of": null, "moved_to": null, "move_pending": null,
            "approved_at": null, "approval": null}))
        .unwrap();
        d.extracted = Some(
            json!({"total": 120.5, "issue_date": "2024-03-05", "document_type": kind, "invoice_number": "7"}),
        );
        d.result = Some(
            json!({"primary_action": "createBill", "direction": direction, "counterparty": "Acme"}),
        );
        d
    }

    #[test]
    fn money_out_is_negative_and_dates_follow_the_country() {
        assert_eq!(
            row(&doc("incoming", "invoice"), true).unwrap(),
            ["03/05/2024".to_string(), "Acme 7".into(), "-120.50".into()]
        );
        assert_eq!(
            row(&doc("outgoing", "invoice"), false).unwrap()[..],
            ["05/03/2024".to_string(), "Acme 7".into(), "120.50".into()]
        );
        assert_eq!(
            row(&doc("incoming", "credit_note"), true).unwrap()[2],
            "120.50"
        );
        let mut none = doc("incoming", "other");
        none.result = Some(json!({"primary_action": null}));
        assert!(row(&none, true).is_none());
    }
}
