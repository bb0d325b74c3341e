//! The books' contract (imported lists, transaction history, exchange rates, vendor memory,
//! approvals and rejections) on every engine.

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{contract_tests, Engine, Fixture};
use crate::store::books::BookList::{self, Accounts, Customers, Items, Vendors};
use crate::store::books::{BookEntry, Memory, Posted, Rate};
use crate::store::{Outcome, Policy, Status};

fn entry(list: BookList, id: Option<&str>, name: &str) -> BookEntry {
    BookEntry {
        list,
        id: id.map(str::to_string),
        name: name.into(),
        kind: None,
        number: None,
        currency: None,
        active: true,
        detail: json!({}),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn posted(key: &str, party: &str, kind: &str, day: Option<&str>, amount: &str) -> Posted {
    Posted {
        key: key.into(),
        counterparty: party.into(),
        kind: kind.into(),
        day: day.map(str::to_string),
        number: None,
        account: Some("Office Supplies".into()),
        amount: Some(dec(amount)),
        currency: Some("USD".into()),
        memo: None,
        class: None,
        tax_code: None,
    }
}

fn rate(base: &str, currency: &str, day: &str, r: &str) -> Rate {
    Rate {
        base: base.into(),
        currency: currency.into(),
        day: day.into(),
        rate: dec(r),
    }
}

/// `import_books`' counts as `(added, updated)`.
fn import<S: Engine>(s: &S, business: &str, entries: &[BookEntry]) -> (usize, usize) {
    let n = s.import_books(business, entries, "export.csv").unwrap();
    (n.added, n.updated)
}

/// `import_history`'s counts as `(added, updated)`.
fn history<S: Engine>(s: &S, business: &str, lines: &[Posted]) -> (usize, usize) {
    let n = s.import_history(business, lines, "tx.csv").unwrap();
    (n.added, n.updated)
}

/// The entries of a business as `list:name`, in the order read.
fn names<S: Engine>(s: &S, business: &str, list: Option<BookList>) -> Vec<String> {
    let entries = s.book_entries(business, list).unwrap();
    entries
        .iter()
        .map(|e| format!("{}:{}", e.list.as_str(), e.name))
        .collect()
}

/// The keys of a counterparty's history, in the order read.
fn keys<S: Engine>(s: &S, business: &str, party: &str) -> Vec<String> {
    let lines = s.history_of(business, party).unwrap();
    lines.into_iter().map(|p| p.key).collect()
}

fn between<S: Engine>(s: &S, currencies: &[&str], from: &str, to: &str) -> Vec<Rate> {
    s.rates_between(currencies, from, to).unwrap()
}

contract_tests!(
    a_list_import_adds_then_updates_in_place,
    book_entries_are_ordered_by_list_then_name_ignoring_case,
    clear_books_and_book_counts,
    a_history_reimport_adds_nothing,
    history_of_is_newest_first_with_undated_lines_last,
    record_approved_replaces_the_lines_of_that_document_only,
    clear_history_deletes_one_business,
    rates_are_replaced_and_read_newest_first_within_the_range,
    an_approval_on_one_desktop_teaches_the_others,
    approve_and_reject_a_finished_document,
    approve_and_reject_of_documents_without_a_result,
    a_failing_list_import_changes_nothing,
    a_failing_history_write_changes_nothing
);

pub fn a_list_import_adds_then_updates_in_place<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let first = [
        entry(Vendors, Some("57"), "Office Depot"),
        entry(Vendors, None, "Staples, Inc."),
        entry(Accounts, Some("1"), "Office Supplies"),
    ];
    assert_eq!(import(s, "acme", &first), (3, 0));
    // Same id under a new name, the same name folded differently, and one new vendor.
    let mut renamed = entry(Vendors, Some(" 57 "), "Office Depot LLC");
    renamed.currency = Some("USD".into());
    renamed.active = false;
    let second = [
        renamed.clone(),
        entry(Vendors, None, "STAPLES INC"),
        entry(Vendors, None, "Amazon"),
    ];
    assert_eq!(import(s, "acme", &second), (1, 2));
    let want = [
        "vendors:Amazon",
        "vendors:Office Depot LLC",
        "vendors:STAPLES INC",
    ];
    assert_eq!(names(s, "acme", Some(Vendors)), want);
    let vendors = s.book_entries("acme", Some(Vendors)).unwrap();
    assert_eq!(vendors[1], renamed, "updated in place, every field");
    // Another business's books are its own.
    assert!(names(s, "other", None).is_empty());
    assert_eq!(import(s, "other", &first[..1]), (1, 0));
    assert_eq!(names(s, "acme", None).len(), 4);
    assert_eq!(import(s, "acme", &[]), (0, 0));
}

pub fn book_entries_are_ordered_by_list_then_name_ignoring_case<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let mut supplies = entry(Accounts, Some("60100"), "office Supplies");
    supplies.kind = Some("Expense".into());
    supplies.number = Some("6010".into());
    supplies.currency = Some("EUR".into());
    supplies.detail = json!({"Description": "Pens & paper", "Balance": "12.50"});
    let all = [
        entry(Vendors, None, "zeta"),
        entry(Items, Some("i1"), "Widget"),
        entry(Vendors, None, "Alpha"),
        supplies.clone(),
        entry(Customers, None, "bravo"),
        entry(Accounts, None, "Bank"),
        entry(Vendors, None, "beta"),
        entry(Accounts, None, "Cash"),
    ];
    assert_eq!(import(s, "b", &all), (8, 0));
    let want = [
        "accounts:Bank",
        "accounts:Cash",
        "accounts:office Supplies",
        "customers:bravo",
        "items:Widget",
        "vendors:Alpha",
        "vendors:beta",
        "vendors:zeta",
    ];
    assert_eq!(names(s, "b", None), want);
    let got = s.book_entries("b", None).unwrap();
    assert_eq!(got[2], supplies, "every field read back as written");
    assert_eq!(names(s, "b", Some(Items)), ["items:Widget"]);
}

pub fn clear_books_and_book_counts<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    assert!(s.book_counts().unwrap().is_empty());
    let acme = [
        entry(Vendors, None, "A"),
        entry(Vendors, None, "B"),
        entry(Accounts, None, "C"),
    ];
    import(s, "acme", &acme);
    import(s, "beta", &acme[..1]);
    let lines = [
        posted("h1", "A", "bill", Some("2024-01-01"), "1"),
        posted("h2", "A", "bill", Some("2024-01-02"), "2"),
    ];
    history(s, "beta", &lines);
    let n = |b: &str, l: &str, n: i64| (b.to_string(), l.to_string(), n);
    let want = [
        n("acme", "accounts", 1),
        n("acme", "vendors", 2),
        n("beta", "history", 2),
        n("beta", "vendors", 1),
    ];
    assert_eq!(s.book_counts().unwrap(), want);
    assert_eq!(s.clear_books("acme", Some(Vendors)).unwrap(), 2);
    assert_eq!(s.clear_books("acme", Some(Vendors)).unwrap(), 0);
    assert_eq!(names(s, "acme", None), ["accounts:C"]);
    import(s, "acme", &acme);
    assert_eq!(s.clear_books("acme", None).unwrap(), 3);
    assert_eq!(s.book_counts().unwrap(), want[2..]);
}

pub fn a_history_reimport_adds_nothing<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let lines = [
        posted("k1", "Office Depot", "bill", Some("2024-01-05"), "10.00"),
        posted("k2", "Office Depot", "bill", Some("2024-02-05"), "20.00"),
        posted("k3", "Staples", "expense", Some("2024-03-05"), "30.00"),
    ];
    assert_eq!(history(s, "acme", &lines), (3, 0));
    assert_eq!(history(s, "acme", &lines), (0, 3));
    // An overlapping export: the known line is left as it was, not overwritten.
    let mut changed = lines[0].clone();
    changed.amount = Some(dec("99.99"));
    let overlap = [changed, posted("k4", "Staples", "check", None, "40.00")];
    assert_eq!(history(s, "acme", &overlap), (1, 1));
    let depot = s.history_of("acme", "Office Depot").unwrap();
    assert_eq!(depot.len(), 2);
    assert_eq!(depot[1], lines[0]);
    // The same keys under another business are new lines.
    assert_eq!(history(s, "beta", &lines), (3, 0));
    let n = |b: &str, n: i64| (b.to_string(), "history".to_string(), n);
    assert_eq!(s.book_counts().unwrap(), [n("acme", 4), n("beta", 3)]);
    let pair = |p: &str, k: &str| (p.to_string(), k.to_string());
    assert_eq!(
        s.history_counterparties("acme").unwrap(),
        [
            pair("Office Depot", "bill"),
            pair("Staples", "check"),
            pair("Staples", "expense"),
        ]
    );
    assert!(s.history_counterparties("nobody").unwrap().is_empty());
}

pub fn history_of_is_newest_first_with_undated_lines_last<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let mut full = posted("e", "Depot", "bill", Some("2024-02-10"), "1234.50");
    full.number = Some("INV-7".into());
    full.currency = Some("EUR".into());
    full.memo = Some("Toner, 3 boxes".into());
    full.class = Some("Retail".into());
    full.tax_code = Some("TAX".into());
    let lines = [
        posted("a", "Depot", "bill", Some("2024-01-05"), "1"),
        posted("b", "Depot", "bill", None, "2"),
        posted("c", "Depot", "bill", Some("2024-03-01"), "3"),
        full.clone(),
        posted("d", "Depot", "vendor_credit", Some("2024-03-01"), "-4"),
        posted("z", "Other", "bill", Some("2025-01-01"), "5"),
        posted("y", "depot", "bill", Some("2025-01-01"), "6"),
    ];
    history(s, "acme", &lines);
    // Newest first, a day's lines by key, the undated line last; other counterparties (even
    // `depot`: the books' name, compared exactly) left out.
    assert_eq!(keys(s, "acme", "Depot"), ["c", "d", "e", "a", "b"]);
    let got = s.history_of("acme", "Depot").unwrap();
    assert_eq!(got[2], full, "every field read back as written");
    assert_eq!(got[1].amount, Some(dec("-4")));
    assert!(keys(s, "acme", "Nobody").is_empty());
    assert!(keys(s, "beta", "Depot").is_empty());
}

pub fn record_approved_replaces_the_lines_of_that_document_only<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let imported = posted("hash1", "Depot", "bill", Some("2024-01-01"), "5");
    history(s, "acme", &[imported.clone()]);
    let l = |k: &str, amount: &str| posted(k, "Depot", "bill", Some("2024-05-01"), amount);
    let approve = |b: &str, doc: i64, lines: &[Posted]| s.record_approved(b, doc, lines).unwrap();
    approve("acme", 70, &[l("approval:70:0", "70")]);
    approve("acme", 7, &[l("approval:7:0", "1"), l("approval:7:1", "2")]);
    approve("beta", 7, &[l("approval:7:0", "100")]);
    // Keys compare by bytes: `approval:70:` before `approval:7:`.
    let want = ["approval:70:0", "approval:7:0", "approval:7:1", "hash1"];
    assert_eq!(keys(s, "acme", "Depot"), want);
    // Approved again with one line: the document's two lines become that one.
    approve("acme", 7, &[l("approval:7:0", "3")]);
    let got = s.history_of("acme", "Depot").unwrap();
    let got_keys: Vec<_> = got.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(got_keys, ["approval:70:0", "approval:7:0", "hash1"]);
    assert_eq!(got[1], l("approval:7:0", "3"));
    assert_eq!(got[2], imported);
    // With no lines: the document's lines are gone; nothing else is touched.
    approve("acme", 7, &[]);
    assert_eq!(keys(s, "acme", "Depot"), ["approval:70:0", "hash1"]);
    assert_eq!(keys(s, "beta", "Depot"), ["approval:7:0"]);
    // A re-import never overwrites an approved line.
    assert_eq!(history(s, "acme", &[l("approval:70:0", "0")]), (0, 1));
    let got = s.history_of("acme", "Depot").unwrap();
    assert_eq!(got[0].amount, Some(dec("70")));
}

pub fn clear_history_deletes_one_business<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let lines = [
        posted("k1", "A", "bill", Some("2024-01-01"), "1"),
        posted("k2", "B", "bill", Some("2024-01-02"), "2"),
    ];
    history(s, "acme", &lines);
    history(s, "beta", &lines[..1]);
    let approved = posted("approval:3:0", "A", "bill", None, "3");
    s.record_approved("acme", 3, &[approved]).unwrap();
    assert_eq!(s.clear_history("acme").unwrap(), 3);
    assert_eq!(s.clear_history("acme").unwrap(), 0);
    assert!(s.history_counterparties("acme").unwrap().is_empty());
    assert_eq!(keys(s, "beta", "A"), ["k1"]);
    // Cleared lines can be imported again.
    assert_eq!(history(s, "acme", &lines), (2, 0));
}

pub fn rates_are_replaced_and_read_newest_first_within_the_range<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let rates = [
        rate("EUR", "USD", "2024-01-02", "1.0956"),
        rate("EUR", "USD", "2024-01-04", "1.0944"),
        rate("EUR", "USD", "2024-01-03", "1.0919"),
        rate("EUR", "GBP", "2024-01-05", "0.86"),
        rate("EUR", "USD", "2023-12-29", "1.105"),
        rate("EUR", "USD", "2024-01-10", "1.0987"),
    ];
    assert_eq!(s.import_rates(&rates, "ecb").unwrap(), 6);
    assert_eq!(s.import_rates(&[], "ecb").unwrap(), 0);
    let got = between(s, &["USD"], "2024-01-01", "2024-01-04");
    assert_eq!(got, [rates[1].clone(), rates[2].clone(), rates[0].clone()]);
    // Same (base, currency, day): replaced.
    let fixed = rate("EUR", "USD", "2024-01-03", "1.0920");
    assert_eq!(s.import_rates(&[fixed.clone()], "ecb").unwrap(), 1);
    let got = between(s, &["USD"], "2024-01-03", "2024-01-03");
    assert_eq!(got, [fixed]);
    // A currency matches as the base too; a rate matched twice comes once.
    let got = between(s, &["USD", "EUR"], "2024-01-04", "2024-01-05");
    assert_eq!(got, [rates[3].clone(), rates[1].clone()]);
    assert!(between(s, &["JPY"], "2000-01-01", "2099-12-31").is_empty());
    assert!(between(s, &["USD"], "2024-01-05", "2024-01-09").is_empty());
    let other = f.second();
    let got = between(&other, &["GBP"], "2024-01-01", "2024-12-31");
    assert_eq!(got, [rates[3].clone()]);
}

pub fn an_approval_on_one_desktop_teaches_the_others<S: Engine>() {
    let f = Fixture::<S>::new();
    let (one, other) = (&f.store, f.second());
    let (b, party) = ("acme", "office depot");
    assert_eq!(one.recall(b, party).unwrap(), None);
    let first = json!({"action": "bill", "account": "Office Supplies"});
    let latest = json!({"action": "bill", "accounts": ["Office Supplies", "Postage"],
                        "class": "Retail", "tax_code": "TAX"});
    assert_eq!(one.remember(b, party, "Office Depot", &first).unwrap(), 1);
    let n = one.remember(b, party, "Depot Inc.", &latest).unwrap();
    assert_eq!(n, 2);
    let want = Memory {
        name: "Depot Inc.".into(),
        decision: latest,
        approvals: 2,
    };
    assert_eq!(other.recall(b, party).unwrap(), Some(want));
    assert_eq!(other.remember(b, party, "Office Depot", &first).unwrap(), 3);
    let back = one.recall(b, party).unwrap().unwrap();
    assert_eq!(
        (back.name.as_str(), back.decision, back.approvals),
        ("Office Depot", first, 3)
    );
    // Keyed by business and counterparty.
    assert_eq!(one.recall("beta", party).unwrap(), None);
    assert_eq!(one.recall(b, "staples").unwrap(), None);
    let n = one.remember("beta", party, "Depot", &Value::Null).unwrap();
    assert_eq!(n, 1);
}

/// A document enqueued, claimed and completed as `preview_required`.
fn finished<S: Engine>(f: &Fixture<S>, name: &str) -> i64 {
    let id = queued(f, name);
    let p = Policy {
        max_attempts: 3,
        retry_base: Duration::ZERO,
        lease: Duration::from_secs(60),
    };
    let job = f.store.claim(Some(id), "w", &p).unwrap().unwrap();
    let o = Outcome::default();
    let done = f.store.complete(&job, Status::PreviewRequired, &o, None);
    assert!(done.unwrap());
    id
}

fn queued<S: Engine>(f: &Fixture<S>, name: &str) -> i64 {
    let path = f.file(name, name);
    let (sha, size) = crate::content::hash_file(&path).unwrap();
    let new = f
        .store
        .enqueue_batch(&[(&path, &sha, size)], "drop_folder", 0);
    new.unwrap()[0].id()
}

pub fn approve_and_reject_a_finished_document<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let id = finished(&f, "bill.pdf");
    let approval = json!({"action": "bill", "corrections": {"account": "Postage"}});
    assert!(s.approve(id, &approval).unwrap());
    let d = s.document(id).unwrap().unwrap();
    assert_eq!(d.status, Status::Approved);
    assert_eq!(d.approval, Some(approval.clone()));
    assert!(d.approved_at.is_some());
    // Rejected after all: the approval's time is gone, the record kept.
    let record = json!({"reason": "wrong vendor"});
    assert!(s.reject(id, &record).unwrap());
    let d = f.second().document(id).unwrap().unwrap();
    let got = (d.status, d.approval, d.approved_at);
    assert_eq!(got, (Status::Rejected, Some(record), None));
    // And approved again.
    assert!(s.approve(id, &approval).unwrap());
    let d = s.document(id).unwrap().unwrap();
    assert_eq!((d.status, d.approval), (Status::Approved, Some(approval)));
    assert!(d.approved_at.is_some());
    assert!(!s.approve(id + 1000, &json!({})).unwrap());
    assert!(!s.reject(id + 1000, &json!({})).unwrap());
}

pub fn approve_and_reject_of_documents_without_a_result<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let id = queued(&f, "queued.pdf");
    // No result to reject: nothing recorded.
    assert!(!s.reject(id, &json!({"reason": "no"})).unwrap());
    let d = s.document(id).unwrap().unwrap();
    assert_eq!((d.status, d.approval), (Status::Queued, None));
    // An approval is recorded, but only a finished result becomes `approved`.
    assert!(s.approve(id, &json!({"early": true})).unwrap());
    let d = s.document(id).unwrap().unwrap();
    let want = (Status::Queued, Some(json!({"early": true})));
    assert_eq!((d.status, d.approval), want);
}

// A NUL in a text field: refused by PostgreSQL, whose text cannot hold it, stored by SQLite.
// Whatever the engine does with it, a write is all or nothing.

pub fn a_failing_list_import_changes_nothing<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let before = entry(Vendors, Some("1"), "Depot");
    import(s, "acme", &[before.clone()]);
    let batch = [
        entry(Vendors, Some("1"), "Depot renamed"),
        entry(Vendors, Some("2"), "Bad\0name"),
    ];
    match s.import_books("acme", &batch, "y") {
        Err(_) => assert_eq!(s.book_entries("acme", None).unwrap(), [before]),
        Ok(n) => {
            assert_eq!((n.added, n.updated), (1, 1));
            let want = [batch[1].clone(), batch[0].clone()];
            assert_eq!(s.book_entries("acme", None).unwrap(), want);
        }
    }
    // The handle still works after a failed import.
    assert_eq!(import(s, "acme", &[entry(Items, None, "Pen")]), (1, 0));
}

pub fn a_failing_history_write_changes_nothing<S: Engine>() {
    let f = Fixture::<S>::new();
    let s = &f.store;
    let old = posted("approval:5:0", "Depot", "bill", Some("2024-01-01"), "1");
    s.record_approved("acme", 5, &[old.clone()]).unwrap();
    let bad = Posted {
        memo: Some("nul\0here".into()),
        ..posted("approval:5:1", "Depot", "bill", Some("2024-01-02"), "2")
    };
    let good = posted("approval:5:0", "Depot", "bill", Some("2024-01-03"), "3");
    // Never the old line deleted and the new ones half written.
    match s.record_approved("acme", 5, &[good.clone(), bad.clone()]) {
        Err(_) => assert_eq!(s.history_of("acme", "Depot").unwrap(), [old]),
        Ok(()) => assert_eq!(s.history_of("acme", "Depot").unwrap(), [good, bad.clone()]),
    }
    let before = s.history_of("acme", "Depot").unwrap();
    let h2 = Posted {
        key: "h2".into(),
        ..bad
    };
    let lines = [posted("h1", "Depot", "bill", None, "4"), h2];
    match s.import_history("acme", &lines, "t") {
        Err(_) => assert_eq!(s.history_of("acme", "Depot").unwrap(), before),
        Ok(n) => assert_eq!((n.added, n.updated), (2, 0)),
    }
    let rates = [
        rate("EUR", "USD", "2024-01-02", "1.1"),
        rate("EUR", "US\0D", "2024-01-02", "1.1"),
    ];
    match s.import_rates(&rates, "ecb") {
        Err(_) => assert!(between(s, &["USD"], "2024-01-01", "2024-01-31").is_empty()),
        Ok(n) => assert_eq!(n, 2),
    }
}
