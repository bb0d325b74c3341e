//! Every field decided: the options of each field ([`super::joint::options`]), the joint choices
//! (money, dates, parties, tax ids) and the rest alone; then the decisions written into the
//! extracted document with their provenance, and a report of the candidates for review and the
//! bench (`result.reading`).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::choose::Judged;
use super::joint::{self, decision, Decision, Opt};
use super::known_party;
use super::till::{self, NO_BUYER, ONE_DATE, TILL};
use crate::extract::pdf::LayoutLine;
use crate::extract::read::candidates::{Proposals, AMOUNTS, FIELDS, STATES};
use crate::extract::read::fold::key;
use crate::extract::read::provenance::entry;

/// The business as the identity check sees it: its name and tax id, and the counterparties its
/// books know (vendor and customer lists, the transaction history), as the books spell them.
#[derive(Clone, Copy)]
pub struct Business<'a> {
    pub name: &'a str,
    pub tax_id: Option<&'a str>,
    pub vendors: &'a [String],
    pub customers: &'a [String],
    /// The issuer's layout as the accountant's approvals taught it ([`super::layout`]), when
    /// the document's issuer is a vendor with approved documents.
    pub layout: Option<&'a super::layout::Layout>,
}

impl Business<'_> {
    /// Whether `v` is printed as the business's name (equal after folding case, accents and
    /// punctuation, or but for OCR noise: [`joint::misread_as`]; containment is not enough to
    /// settle).
    fn is_named(&self, v: &Value) -> bool {
        v.as_str().is_some_and(|s| {
            key(s).len() >= 4 && key(s) == key(self.name) || joint::misread_as(s, self.name)
        })
    }

    /// Whether `v` names a counterparty of `list` ([`known_party::in_list`]).
    pub(super) fn in_list(list: &[String], v: &Value) -> bool {
        known_party::in_list(list, v)
    }

    /// Why the chosen parties `from` / `to` (names) are settled by who they are, side by side:
    /// a vendor of the books as issuer with the business (or nobody known) as recipient, or the
    /// business as issuer with a customer of the books as recipient. A vendor printed as the
    /// recipient, or the business as issuer to no known customer, settles nothing (the sides may
    /// be swapped). Returns the reasons for (from, to).
    pub fn identity(&self, from: &Value, to: &Value) -> [Option<&'static str>; 2] {
        let (vendor, customer) = (
            Self::in_list(self.vendors, from),
            Self::in_list(self.customers, to),
        );
        let (from_us, to_us) = (self.is_named(from), self.is_named(to));
        if from_us && customer {
            return [Some("the business's name"), Some("a customer of the books")];
        }
        let other_side_fits = !from_us && !Self::in_list(self.customers, from);
        let f = (vendor && !Self::in_list(self.vendors, to)).then_some("a vendor of the books");
        let t = (to_us && other_side_fits).then_some("the business's name");
        [f, t]
    }

    /// Whether the tax id `v` is the business's own.
    fn is_tax_id(&self, v: &Value) -> bool {
        let Some(t) = self.tax_id.filter(|t| key(t).len() >= 4) else {
            return false;
        };
        v.as_str().is_some_and(|s| key(s) == key(t))
    }
}

/// What [`settle_kind`] writes as `how`.
const TITLE: &str = "the title alone";
/// The prior of a receipt with both till lines, or one beside a time of day (`candidates::kind`:
/// +4.0).
const TILL_PRIOR: f64 = 4.0;

/// What [`settle_parties`] writes as `how`.
const IDENTITIES: &[&str] = &[
    "the business's name",
    "the business's tax id",
    "a vendor of the books",
    "a customer of the books",
];

/// Settle the parties of `ds` by who they are ([`Business::identity`]); the business's tax id
/// settles the side whose name is settled as the business.
fn settle_parties(ds: &mut [Decision], business: &Business<'_>) {
    let at = |ds: &[Decision], f: &str| ds.iter().position(|d| d.field == f);
    let (Some(fi), Some(ti)) = (at(ds, "from.name"), at(ds, "to.name")) else {
        return;
    };
    let why = business.identity(&ds[fi].value, &ds[ti].value);
    for (i, side, why) in [(fi, "from", why[0]), (ti, "to", why[1])] {
        let Some(why) = why else { continue };
        if !ds[i].settled {
            ds[i].settled = true;
            ds[i].how = why.to_string();
        }
        if why != "the business's name" {
            continue;
        }
        if let Some(j) = at(ds, &format!("{side}.tax_id")) {
            if !ds[j].settled && business.is_tax_id(&ds[j].value) {
                ds[j].settled = true;
                ds[j].how = "the business's tax id".to_string();
            }
        }
    }
}

/// Every field and state decided, in this order.
fn all_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().chain(STATES).copied()
}

/// Decide every field of [`FIELDS`] and [`STATES`]. `lines` = (Σ net, Σ gross) of the item
/// table.
pub fn decide(
    p: &Proposals,
    judged: &HashMap<&'static str, Judged>,
    lines: (Option<Decimal>, Option<Decimal>),
    business: &Business<'_>,
) -> Vec<Decision> {
    let mut opts: HashMap<&'static str, Vec<Opt>> = all_fields()
        .map(|f| (f, joint::options(f, p.of(f), judged.get(f))))
        .collect();
    let mut chosen = money(&mut opts, p, lines);
    if let Some([i, d]) = joint::dates(&opts["issue_date"], &opts["due_date"]) {
        chosen.insert("issue_date", (i, false));
        chosen.insert("due_date", (d, false));
    }
    let is_business = |v: &Value| joint::is_business(v, business.name, business.tax_id);
    for (a, b) in [("from.name", "to.name"), ("from.tax_id", "to.tax_id")] {
        let names = a == "from.name";
        if let Some([x, y]) = joint::parties(&opts[a], &opts[b], &is_business, names) {
            chosen.insert(a, (x, false));
            chosen.insert(b, (y, false));
        }
    }
    if let Some([k, d]) = joint::kind_and_payment(&opts["document_type"], &opts["payment"]) {
        chosen.insert("document_type", (k, false));
        chosen.insert("payment", (d, false));
    }
    // A till's tendered and change lines make a receipt paid on the spot, whatever the title
    // and the model say ([`settle_kind`]).
    let kinds = p.of("document_type");
    let till = opts["document_type"].iter().position(|o| {
        o.cand
            .is_some_and(|i| kinds[i].evidence.rule == "till lines" && kinds[i].prior >= TILL_PRIOR)
    });
    let paid = opts["payment"]
        .iter()
        .position(|o| o.value == Value::Bool(true));
    if let (Some(k), Some(d)) = (till, paid) {
        chosen.insert("document_type", (k, false));
        chosen.insert("payment", (d, false));
    }
    let at = |f: &str| {
        let o = &opts[f];
        chosen.get(f).map_or_else(|| joint::alone(o), |c| c.0)
    };
    let value_of = |f: &str| opts[f][at(f)].value.clone();
    let mut ds: Vec<Decision> = all_fields()
        .map(|f| {
            let o = &opts[f];
            let pinned = chosen.get(f).is_some_and(|c| c.1);
            let mut out = super::evidence::ruled_out(f, p.of(f), &value_of, &is_business);
            out.extend(
                o.iter()
                    .filter(|x| x.prior == f64::NEG_INFINITY)
                    .filter_map(|x| x.cand),
            );
            decision(
                f,
                o,
                at(f),
                judged.get(f),
                p.of(f),
                (pinned, &out, &is_business),
            )
        })
        .collect();
    settle(&mut ds, p, business, &is_business);
    ds
}

/// The decisions settled by what the document and the books prove, in order: the kind, a
/// till's missing buyer, the parties as the books know them and by who they are (written by
/// their legal names), the
/// vendor's layout, a till's one date and number, the amount due and the due date.
fn settle(
    ds: &mut [Decision],
    p: &Proposals,
    business: &Business<'_>,
    is_business: &dyn Fn(&Value) -> bool,
) {
    settle_kind(ds, p.of("document_type"));
    // A till names no buyer: settled before the parties' identity, so that the issuer's own name
    // read as the recipient does not make the sides look swapped.
    till::settle_buyer(ds, p, is_business);
    // A misread or partly read name of a party the books know is that party as printed; on
    // its side, a party that is the business itself or one its books know is settled by who it
    // is (the identity, not a guess between readings).
    known_party::choose_known(ds, p, business.vendors, business.customers);
    settle_parties(ds, business);
    super::legal_name::write_legal_names(ds, p);
    name_the_business(ds, business.name);
    if let Some(l) = business.layout {
        super::layout::settle(ds, p, l);
    }
    till::settle_date(ds, p);
    till::leave_out_number(ds);
    settle_amount_due(ds);
    super::terms::settle_due_date(ds, &p.term_days);
}

/// The money fields chosen together ([`joint::money`]): field → (option, pinned by the
/// arithmetic), after the document's number read as an amount is ruled out
/// ([`joint::not_the_number`]).
fn money(
    opts: &mut HashMap<&'static str, Vec<Opt>>,
    p: &Proposals,
    lines: (Option<Decimal>, Option<Decimal>),
) -> HashMap<&'static str, (usize, bool)> {
    let number = opts["invoice_number"][joint::alone(&opts["invoice_number"])]
        .value
        .clone();
    for f in AMOUNTS {
        if let Some(o) = opts.get_mut(f) {
            joint::not_the_number(o, &number);
        }
    }
    let mut chosen = HashMap::new();
    let all = [0, 1, 2, 3].map(|i| opts[AMOUNTS[i]].as_slice());
    let money = joint::Money {
        lines,
        amounts: p
            .of("total")
            .iter()
            .filter_map(|c| crate::extract::money::decimal(&c.value))
            .collect(),
    };
    if let Some((k, pins)) = joint::money(all, &money) {
        for i in 0..4 {
            chosen.insert(AMOUNTS[i], (k[i], pins[i]));
        }
    }
    chosen
}

/// The side the identity took for the business ("Mohamed" printed for "Mohamed Rasik", "3Qcode
/// Sp. z 0.o." read for "3Qcode Sp. z o.o.") written as the business calls itself
/// (`business_name`).
fn name_the_business(ds: &mut [Decision], business_name: &str) {
    for d in ds
        .iter_mut()
        .filter(|d| matches!(d.field, "from.name" | "to.name"))
    {
        if joint::is_business(&d.value, business_name, None) {
            d.value = json!(business_name);
        }
    }
}

/// The amount due is total − paid: with the payment state and the total settled, a due of 0 on
/// a paid document and a due equal to the total on an unpaid one are settled by that arithmetic
/// (the model, asked which printed number is due, rarely picks a 0 that is printed nowhere). On
/// a document settled as paid the arithmetic decides the value too: whatever printed number was
/// chosen (the cash handed over, a card slip's amount), nothing is due — also where the money
/// arithmetic pinned a till's "to pay" line as the due amount and the till's tendered lines
/// settled it paid.
pub(super) fn settle_amount_due(ds: &mut [Decision]) {
    let get = |f: &str| ds.iter().find(|d| d.field == f);
    let (Some(paid), Some(total), Some(due)) = (get("payment"), get("total"), get("amount_due"))
    else {
        return;
    };
    // A till's tendered lines prove the receipt paid: its "to pay" line, which the money
    // arithmetic pins as the due amount (equal to the total), was due before the payment.
    let till_paid = paid.how == TILL && paid.value == json!(true) && due.how == "arithmetic";
    if !paid.settled || !total.settled || due.settled && !till_paid {
        return;
    }
    let Some(t) = total.value.as_f64() else {
        return;
    };
    let d = due.value.as_f64();
    let why = match paid.value.as_bool() {
        Some(true) => "paid in full: nothing due",
        Some(false) if d.is_some_and(|d| (d - t).abs() < 0.005) => "nothing paid: the total is due",
        _ => return,
    };
    if let Some(due) = ds.iter_mut().find(|d| d.field == "amount_due") {
        if why.starts_with("paid in full") && d != Some(0.0) {
            due.chosen = None;
            due.value = json!(0.0);
        }
        due.settled = true;
        due.how = why.to_string();
    }
}

/// A kind its title alone proposes (the only candidate left: [`crate::extract::read::candidates`]
/// keeps only evidenced kinds when a title names one) is settled by the title; the model, with
/// one option, is not asked. A receipt whose till printed both the money tendered and the change,
/// or a tendered line (cash, a card) beside a time of day (prior 4 or more), is settled by those
/// lines, whatever its title ("Tax invoice" on many till receipts) and whatever the model says
/// (12 of 12 and 23 of 23 on the real development half).
fn settle_kind(ds: &mut [Decision], kinds: &[crate::extract::read::candidates::Candidate]) {
    let Some(d) = ds.iter_mut().find(|d| d.field == "document_type") else {
        return;
    };
    let Some(c) = d.chosen.and_then(|i| kinds.get(i)) else {
        return;
    };
    let why = match (kinds.len(), c.evidence.rule) {
        (1, "title") => TITLE,
        (_, "till lines") if c.prior >= TILL_PRIOR => TILL,
        _ => return,
    };
    if !d.settled {
        d.settled = true;
        d.how = why.to_string();
    }
    // The till's lines settle the payment too, whether or not the model agreed on the kind.
    if why == TILL {
        if let Some(paid) = ds
            .iter_mut()
            .find(|d| d.field == "payment" && d.value == Value::Bool(true) && !d.settled)
        {
            paid.settled = true;
            paid.how = TILL.to_string();
        }
    }
}

/// Write `decisions` into `doc` (the rule reading's shape) with their provenance: method
/// `rule+model` (agreed), `arithmetic`, `rule` (the model not asked) or `joint` (decided against
/// one of them, not settled); confidence 95 / 90 settled, 60 not; `settled`, `how` and where.
pub fn apply(
    doc: &mut Value,
    decisions: &[Decision],
    p: &Proposals,
    layout: &[LayoutLine],
    text: &str,
) {
    let mut prov = doc["provenance"].as_object().cloned().unwrap_or_default();
    for d in decisions {
        // A state with no option chosen keeps the rule reading's.
        if STATES.contains(&d.field) && d.value.is_null() {
            continue;
        }
        let path = if d.field == "payment" {
            "payment.paid"
        } else {
            d.field
        };
        let slot = path.split('.').fold(&mut *doc, |v, k| &mut v[k]);
        *slot = clip(d.field, &d.value);
        let c = d.chosen.map(|k| &p.of(d.field)[k]);
        let method = match (d.settled, d.how.as_str()) {
            (true, "arithmetic") => "arithmetic",
            (true, h)
                if h.starts_with("paid in full")
                    || h.starts_with("nothing paid")
                    || h.starts_with("the payment terms") =>
            {
                "arithmetic"
            }
            (true, h) if IDENTITIES.contains(&h) => "identity",
            (true, TITLE | TILL | NO_BUYER | ONE_DATE) => "rule",
            (true, h) if super::layout::settled_here(h) => "memory",
            (true, _) => "rule+model",
            (false, h) if h.starts_with("rules only") => "rule",
            _ => "joint",
        };
        let confidence = match (d.settled, method) {
            (true, "arithmetic") => 95,
            (true, _) => 90,
            _ => 60,
        };
        let rule = c.map(|c| c.evidence.rule);
        let mut e = entry(
            method,
            confidence,
            rule,
            c.map(|c| c.evidence.line),
            layout,
            text,
        );
        e["settled"] = json!(d.settled);
        e["how"] = json!(d.how);
        if let Some(l) = c.and_then(|c| c.evidence.label.clone()) {
            e["label"] = json!(l);
        }
        // A field the vendor's layout expected and the reading did not find keeps its entry:
        // the result says why it is empty.
        if d.value.is_null() && d.how != super::layout::NOT_FOUND {
            prov.remove(d.field);
        } else {
            prov.insert(d.field.to_string(), e);
        }
    }
    doc["provenance"] = Value::Object(prov);
}

/// Names to 80 characters and addresses to 160, as the schema bounds them.
fn clip(field: &str, v: &Value) -> Value {
    let max = if field.ends_with(".address") { 160 } else { 80 };
    match v.as_str() {
        Some(s) => json!(crate::extract::einvoice::xml::clip(s, max)),
        None => v.clone(),
    }
}

/// The reading as reviewed and scored: per field its decision and its candidates (value, as
/// printed, prior, the model's share when asked, rule, line).
pub fn report(
    decisions: &[Decision],
    p: &Proposals,
    judged: &HashMap<&'static str, Judged>,
) -> Value {
    let mut out = Map::new();
    for d in decisions {
        let j = judged.get(d.field);
        let cands: Vec<Value> = p
            .of(d.field)
            .iter()
            .map(|c| {
                json!({
                    "value": c.value,
                    "printed": c.printed,
                    "prior": (c.prior * 100.0).round() / 100.0,
                    "model": j.map(|j| j.of(&c.printed)).filter(|m| m.is_finite()).map(|m| (m * 100.0).round() / 100.0),
                    "rule": c.evidence.rule,
                    "label": c.evidence.label,
                    "line": c.evidence.line + 1,
                })
            })
            .collect();
        out.insert(
            d.field.to_string(),
            json!({
                "value": d.value,
                "settled": d.settled,
                "how": d.how,
                "model_none": j.map(|j| j.of(super::choose::NONE)).filter(|m| m.is_finite()),
                "model_raw": j.map(|j| json!({"options": j.options, "raw": j.raw})),
                "candidates": cands,
            }),
        );
    }
    Value::Object(out)
}
