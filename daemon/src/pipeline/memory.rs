//! Vendor memory: when an accountant approves a result (`zopilot approve ID [--set …]`), the
//! decision — the PRIMARY action, each line's account, the class and tax code — is remembered
//! for the business and the counterparty. The next document of that counterparty uses it before
//! any model call, and says so ("from 3 approved documents of this vendor"). The approved lines
//! also join the business's transaction history ([`super::history`]) as posted lines of the
//! counterparty, so the history's counts include them.
//!
//! Corrections (`--set key=value`): `action=createExpense`, `account=Office Supplies` (every
//! line), `line.N.account=…` (line N, from 1), `class=…`, `tax_code=…`, `vendor=…` (the
//! counterparty as the books name it), and `field.NAME=…` for a header field the reading got
//! wrong (`invoice_number`, `issue_date`, `due_date` as YYYY-MM-DD, `currency` as ISO 4217,
//! `subtotal`, `tax`, `total` as decimals; `field.NAME=` with nothing after `=`: the document
//! has no such field — a payment date read as the due date, a phone number read as the invoice
//! number) — those belong to the document, not to the vendor's memory, and are kept in the
//! approval's `fields` (a cleared field as `null`).
//!
//! An approval also teaches the vendor's layout ([`super::fields::layout`]): where each header
//! field stood on the approved document, so that the vendor's next document is read the same
//! way; it is kept in the memory's decision as `layout`.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::direction::words;
use super::fields::layout::{self, Known, Layout};
use crate::store::books::{business_key, Memory};
use crate::store::{Document, Storage};

/// The key a counterparty is remembered under: its significant words.
pub fn counterparty_key(name: &str) -> String {
    words(name).join(" ")
}

/// What approvals taught about `counterparty` of the business named `business`: under its own
/// key, else under the name the books know it by (a printed variant of a known vendor, matched
/// as the history's lookups are: exact, normalised, fuzzy; ambiguous ⇒ none).
pub fn recall(store: &dyn Storage, business: &str, counterparty: &str) -> Result<Option<Memory>> {
    let key = counterparty_key(counterparty);
    if key.is_empty() {
        return Ok(None);
    }
    let books = business_key(business);
    if let Some(m) = store.recall(&books, &key)? {
        return Ok(Some(m));
    }
    let known = counterparty_key(&super::history::books_name(store, &books, counterparty)?);
    if known.is_empty() || known == key {
        return Ok(None);
    }
    store.recall(&books, &known)
}

/// The layouts of a business's vendors as its approvals taught them, for the reading
/// ([`crate::pipeline::fields::layout`]).
pub struct Layouts<'a> {
    pub store: &'a dyn Storage,
    /// The business's name.
    pub business: &'a str,
}

impl Known for Layouts<'_> {
    /// The layout in the memory of the vendor printed as `name` ([`recall`]); a store that
    /// cannot answer knows none (logged).
    fn layout(&self, name: &str) -> Option<Layout> {
        let m = match recall(self.store, self.business, name) {
            Ok(m) => m?,
            Err(e) => {
                tracing::warn!("vendor memory unavailable for the reading: {e:#}");
                return None;
            }
        };
        let mut l: Layout = serde_json::from_value(m.decision.get("layout")?.clone()).ok()?;
        l.approvals = m.approvals;
        Some(l)
    }
}

/// The extracted document as approved: `extracted` with the accountant's `field.*`
/// corrections (`fields`: name → value as typed; amounts as numbers) and, when the accountant
/// named the counterparty (`vendor`) of a document whose issuer is the counterparty (`party`),
/// the issuer as printed under that name (the reading's issuer candidate of the same name, else
/// the name as given).
fn as_approved(
    extracted: &Value,
    fields: &Value,
    vendor: Option<&str>,
    party: &str,
    reading: &Value,
) -> Value {
    let mut doc = extracted.clone();
    if let (Some(v), true) = (vendor, extracted["from"]["name"] == party) {
        let printed = reading["from.name"]["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["value"].as_str())
            .find(|c| super::direction::same_name(v, c))
            .unwrap_or(v);
        doc["from"]["name"] = json!(printed);
    }
    for (name, v) in fields.as_object().into_iter().flatten() {
        let amount = ["subtotal", "tax", "total"].contains(&name.as_str());
        doc[name] = match (amount, v.as_str().and_then(|s| s.parse::<f64>().ok())) {
            (true, Some(x)) => json!(x),
            _ => v.clone(),
        };
    }
    doc
}

/// "from N approved document(s) of this vendor".
pub fn provenance(m: &Memory) -> String {
    format!(
        "from {} approved document{} of this counterparty",
        m.approvals,
        if m.approvals == 1 { "" } else { "s" }
    )
}

/// The decision a stored result holds: its PRIMARY action, each line's account (`lines`:
/// `[{description, account, decided_by}]`, in the document's order); `account`, the default for
/// new lines, is set by [`approve`] once the corrections are in.
fn decision_of(result: &Value) -> Value {
    let actions = result["suggested_actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let primary = actions.iter().find(|a| a["action_type"] == "PRIMARY");
    let lines: Vec<Value> = primary
        .and_then(super::mapping::lines_of)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let (d, a) = (l["description"].as_str()?, l["account"].as_str()?);
            Some(
                json!({"description": d, "account": unref(a), "amount": l["amount"],
                "decided_by": l["account_decided_by"]}),
            )
        })
        .collect();
    json!({
        "action": primary.map(|p| p["action"].clone()).unwrap_or(Value::Null),
        "document_type": result["document_type"],
        "lines": lines,
        "account": Value::Null,
        "class": Value::Null,
        "tax_code": Value::Null,
    })
}

/// The default account for a counterparty's new lines: the account most of `lines` went to,
/// leaving out those a Stage 2.6 rule decided (equipment, prepayments, inventory: the rules
/// decide them again).
fn default_of(lines: &[Value]) -> Value {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for l in lines {
        let by_rule = matches!(
            l["decided_by"].as_str(),
            Some("fixed_asset_rule" | "prepaid_rule" | "inventory_item")
        );
        if let (Some(a), false) = (l["account"].as_str(), by_rule) {
            match counts.iter_mut().find(|(x, _)| x == a) {
                Some(c) => c.1 += 1,
                None => counts.push((a.to_string(), 1)),
            }
        }
    }
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(a, _)| json!(a))
        .unwrap_or(Value::Null)
}

/// `Name` of `{{lookup:Entity:Name}}` (anything else as is).
pub fn unref(s: &str) -> String {
    super::mapping::lookup_parts(s)
        .map(|(_, n)| n)
        .unwrap_or(s)
        .to_string()
}

/// Apply `--set key=value` corrections to `decision`.
///
/// Errors: a correction without `=`, an unknown key, or a line number the document lacks.
pub fn correct(decision: &mut Value, sets: &[String]) -> Result<()> {
    for s in sets {
        let (k, v) = s
            .split_once('=')
            .with_context(|| format!("--set {s:?}: expected key=value"))?;
        let (k, v) = (k.trim(), v.trim());
        match k {
            _ if k.starts_with("field.") => {
                let name = &k["field.".len()..];
                check_field(name, v)?;
                // Nothing after `=`: the document has no such field.
                decision["fields"][name] = if v.is_empty() { Value::Null } else { json!(v) };
            }
            "action" | "account" | "class" | "tax_code" | "vendor" => {
                decision[k] = json!(v);
                if k == "account" {
                    if let Some(lines) = decision["lines"].as_array_mut() {
                        lines.iter_mut().for_each(|l| {
                            l["account"] = json!(v);
                            l["decided_by"] = json!("accountant");
                        });
                    }
                }
            }
            _ => {
                let n: usize = k
                    .strip_prefix("line.")
                    .and_then(|r| r.strip_suffix(".account"))
                    .and_then(|n| n.parse().ok())
                    .with_context(|| {
                        format!(
                            "--set {k}: one of action, account, class, tax_code, vendor, line.N.account, field.NAME"
                        )
                    })?;
                let lines = decision["lines"].as_array_mut().context("no lines")?;
                let count = lines.len();
                let Some(line) = n.checked_sub(1).and_then(|i| lines.get_mut(i)) else {
                    bail!("--set {k}: the document has {count} line(s)");
                };
                line["account"] = json!(v);
                line["decided_by"] = json!("accountant");
                line["decided_by"] = json!("accountant");
            }
        }
    }
    Ok(())
}

/// Check a corrected header field's value (empty: the field cleared).
fn check_field(name: &str, v: &str) -> Result<()> {
    let ok = match name {
        // Every document has a currency and a total; the others may be absent.
        "currency" | "total" if v.is_empty() => false,
        "invoice_number" | "issue_date" | "due_date" | "subtotal" | "tax" if v.is_empty() => true,
        "invoice_number" => v.chars().count() <= 80,
        "issue_date" | "due_date" => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        "currency" => v.len() == 3 && v.chars().all(|c| c.is_ascii_uppercase()),
        "subtotal" | "tax" | "total" => v.parse::<rust_decimal::Decimal>().is_ok(),
        _ => bail!("--set field.{name}: one of invoice_number, issue_date, due_date, currency, subtotal, tax, total"),
    };
    if !ok {
        bail!("--set field.{name}={v:?}: not a valid {name}");
    }
    Ok(())
}

/// Approve document `doc` with `sets` corrections: records the approval and remembers the
/// decision for its counterparty. The approval as stored.
///
/// Errors: the document has no result (not processed yet, failed), no counterparty, or a bad
/// correction.
pub fn approve(store: &dyn Storage, doc: &Document, sets: &[String]) -> Result<Value> {
    let result = doc.result.as_ref().with_context(|| {
        format!(
            "document {} has no result to approve ({})",
            doc.id,
            doc.status.as_str()
        )
    })?;
    let business = doc
        .business
        .as_ref()
        .and_then(|b| b["name"].as_str())
        .context("the result names no business")?;
    let party = result["counterparty"]
        .as_str()
        .filter(|p| !p.trim().is_empty())
        .context("the result names no counterparty to remember")?;
    let mut decision = decision_of(result);
    correct(&mut decision, sets)?;
    // The document's own field corrections are not the vendor's memory.
    let fields = decision
        .as_object_mut()
        .and_then(|d| d.remove("fields"))
        .unwrap_or(Value::Null);
    // After the corrections (`account=X` made every line X, so the default is X too).
    let lines = decision["lines"].as_array().cloned().unwrap_or_default();
    decision["account"] = default_of(&lines);
    // Remembered under the counterparty the accountant named (`vendor=`), as the books name it.
    let books = business_key(business);
    let named = decision["vendor"].as_str().unwrap_or(party).to_string();
    let who = super::history::books_name(store, &books, &named)?;
    let key = counterparty_key(&who);
    let previous = store
        .recall(&books, &key)?
        .map_or(Value::Null, |m| m.decision["layout"].clone());
    let extracted = doc.extracted.clone().unwrap_or(Value::Null);
    let approved = as_approved(
        &extracted,
        &fields,
        decision["vendor"].as_str(),
        party,
        &result["reading"],
    );
    decision["layout"] = layout::learn(&result["reading"], &approved, &previous);
    let approvals = store.remember(&books, &key, &who, &decision)?;
    let software = doc
        .business
        .as_ref()
        .and_then(|b| b["accounting_software"].as_str());
    let table = super::decisions::Table::for_software(software.unwrap_or("quickbooks"))?;
    let action = decision["action"].as_str().unwrap_or("");
    if let Some(kind) = table.history_kind(action) {
        let lines = super::history::approved(doc.id, &who, kind, &decision, &fields, &extracted);
        store.record_approved(&books, doc.id, &lines)?;
    }
    let approval = json!({"corrections": sets, "decision": decision, "fields": fields,
        "counterparty": party, "approvals_of_counterparty": approvals});
    store.approve(doc.id, &approval)?;
    Ok(approval)
}

/// The remembered account of a line with the same `description`.
pub fn account_for(m: &Memory, description: &str) -> Option<String> {
    m.decision["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["description"]
                .as_str()
                .is_some_and(|x| counterparty_key(x) == counterparty_key(description))
        })
        .and_then(|l| l["account"].as_str())
        .map(str::to_string)
}

/// The remembered account of this counterparty's other lines.
pub fn default_account(m: &Memory) -> Option<String> {
    m.decision["account"].as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_corrections() {
        let r = json!({"suggested_actions": [{"action_type": "PRIMARY", "action": "createBill",
            "field_sources": {"Line": "lines:accounts"},
            "field_mappings": {"Line": [{"description": "Toner", "account": "{{lookup:Account:Office Supplies}}"},
                                         {"description": "Paper", "account": "{{lookup:Account:Office Supplies}}"}]}}]});
        let mut d = decision_of(&r);
        assert_eq!(d["action"], "createBill");
        assert_eq!(d["lines"][0]["account"], "Office Supplies");
        correct(
            &mut d,
            &[
                "action=createExpense".into(),
                "line.2.account=Printing".into(),
                "class=Store".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            (
                d["action"].as_str(),
                d["lines"][1]["account"].as_str(),
                d["class"].as_str()
            ),
            (Some("createExpense"), Some("Printing"), Some("Store"))
        );
        assert!(correct(&mut d, &["line.9.account=X".into()]).is_err());
        assert!(correct(&mut d, &["colour=red".into()]).is_err());
        correct(
            &mut d,
            &[
                "vendor=Staples Inc".into(),
                "field.total=127.50".into(),
                "field.issue_date=2024-03-01".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            (d["vendor"].as_str(), d["fields"]["total"].as_str()),
            (Some("Staples Inc"), Some("127.50"))
        );
        assert!(correct(&mut d, &["field.total=12,5".into()]).is_err());
        assert!(correct(&mut d, &["field.due_date=31/12/2024".into()]).is_err());
        assert!(correct(&mut d, &["field.colour=red".into()]).is_err());
        // A cleared field: the document has none (a total it always has).
        correct(&mut d, &["field.due_date=".into()]).unwrap();
        assert!(d["fields"]["due_date"].is_null() && d["fields"].get("due_date").is_some());
        assert!(correct(&mut d, &["field.total=".into()]).is_err());
        assert!(correct(&mut d, &["field.colour=".into()]).is_err());
        assert_eq!(counterparty_key("Staples, Inc."), "staples");
    }

    #[test]
    fn a_cleared_field_is_approved_empty_and_teaches_that_the_vendor_prints_none() {
        let extracted = json!({"due_date": "2015-04-21", "total": 717.97, "from": {"name": "X"}});
        let mut d = json!({});
        correct(
            &mut d,
            &["field.due_date=".into(), "field.total=717.97".into()],
        )
        .unwrap();
        let approved = as_approved(&extracted, &d["fields"], None, "X", &Value::Null);
        assert!(approved["due_date"].is_null(), "{approved}");
        assert_eq!(approved["total"], json!(717.97));
        let reading = json!({"due_date": {"candidates": [
            {"value": "2015-04-21", "printed": "21 april 2015", "rule": "date printed"}]}});
        let layout = layout::learn(&reading, &approved, &Value::Null);
        assert_eq!(layout["marks"]["due_date"], json!([{"absent": true}]));
    }
}
