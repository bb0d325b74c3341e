//! The books' transaction history, end to end with the real binary (issue 26): every history
//! export of `tests/fixtures/books` (QuickBooks Online Transaction Detail by Account as CSV and
//! Transaction List by Vendor as XLSX, Zoho Books bills and expenses, QuickBooks IIF
//! transactions, the plain template) imported once (a re-import adds nothing) and refused with
//! the row number of a bad row, the books unchanged; a file the importer does not recognise
//! refused with the layouts it knows; a known vendor's first document classified with every
//! line's account from its history (and sent to review without it); the PRIMARY from the
//! history where the decision table leaves a choice; Stage 2.6 rules still first; approvals
//! joining the history; a chart that leaves a line no account sends the document to review.

mod support;

use serde_json::Value;
use support::books::*;
use support::*;

/// Each history export: file, profile, format read, posted lines, a line it holds
/// (counterparty, account, day), and a row to break (its 1-based row, the text to replace in it
/// and with what).
struct Export {
    file: &'static str,
    profile: &'static str,
    format: &'static str,
    lines: u64,
    holds: (&'static str, &'static str, &'static str),
    bad_row: usize,
    breaks: (&'static str, &'static str),
}

const EXPORTS_OF_HISTORY: [Export; 6] = [
    Export {
        file: "Taylor's Store_Transaction Detail by Account.csv",
        profile: "taylors-store.toml",
        format: "quickbooks_online.transaction_detail_by_account",
        lines: 798,
        holds: ("Cintas Corporation", "Uniforms", "2023-01-01"),
        bad_row: 40,
        breaks: ("/2023,", "/2023x,"),
    },
    Export {
        file: "Taylor's Store_Transaction List by Vendor.xlsx",
        profile: "taylors-store.toml",
        format: "quickbooks_online.transaction_list_by_vendor",
        lines: 356,
        holds: ("Verizon Wireless", "Telephone Expense", "2023-01-18"),
        bad_row: 7,
        breaks: ("", ""),
    },
    Export {
        file: "Zoho Bills.csv",
        profile: "../../tests/fixtures/books/zoho-business.toml",
        format: "zoho_books.bills",
        lines: 260,
        holds: (
            "Midwest Wholesale Goods",
            "Cost of Goods Sold",
            "2023-01-14",
        ),
        bad_row: 120,
        breaks: (",USD,1.00,", ",USD,1.00,,,,,,,"),
    },
    Export {
        file: "Zoho Expenses.csv",
        profile: "../../tests/fixtures/books/zoho-business.toml",
        format: "zoho_books.expenses",
        lines: 182,
        holds: ("Springfield Properties LLC", "Rent Expense", "2023-01-28"),
        bad_row: 77,
        breaks: (",USD,,", ",USD,,n/a"),
    },
    Export {
        file: "Taylor's Store_Transactions.iif",
        profile: "taylors-store.toml",
        format: "quickbooks.iif",
        lines: 426,
        holds: ("Orkin Pest Control", "Pest Control", "2023-01-20"),
        bad_row: 302,
        breaks: ("/20", "/2O"),
    },
    Export {
        file: "History template.csv",
        profile: "taylors-store.toml",
        format: "zopilot.history_template",
        lines: 297,
        holds: (
            "Northwind Office Equipment, Inc.",
            "Office Supplies",
            "2023-02-23",
        ),
        bad_row: 150,
        breaks: (",129.00,", ",12g.00,"),
    },
];

fn history(env: &Env, business: &std::path::Path) -> Vec<Value> {
    let v = ok_json(env, business, &["books", "show", "history"]);
    v.as_array().unwrap().clone()
}

/// `file` with row `row` (1-based) changed by `breaks` (an XLSX: that row's date cell made a
/// text that is no date).
fn broken(dir: &std::path::Path, e: &Export) -> std::path::PathBuf {
    let src = books_dir().join(e.file);
    let out = dir.join(e.file);
    if e.file.ends_with(".xlsx") {
        use std::io::{Read, Write};
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&src).unwrap()).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let cell = format!("<c r=\"B{}\" s=\"1\"><v>", e.bad_row);
                let at = text.find(&cell).expect("a date cell in the row");
                let end = at + text[at..].find("</c>").unwrap() + 4;
                let bad = format!(
                    "<c r=\"B{}\" t=\"inlineStr\"><is><t>Feb 30th</t></is></c>",
                    e.bad_row
                );
                text.replace_range(at..end, &bad);
            }
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        return out;
    }
    let text = std::fs::read_to_string(&src).unwrap();
    let sep = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut rows: Vec<String> = text.split(sep).map(str::to_string).collect();
    let row = &mut rows[e.bad_row - 1];
    assert!(
        row.contains(e.breaks.0),
        "{}: row {}: {row}",
        e.file,
        e.bad_row
    );
    *row = row.replacen(e.breaks.0, e.breaks.1, 1);
    std::fs::write(&out, rows.join(sep)).unwrap();
    out
}

#[test]
fn every_history_export_imports_once_and_a_bad_row_changes_nothing() {
    for e in &EXPORTS_OF_HISTORY {
        let env = Env::new();
        let business = profile(e.profile);
        let file = books_dir().join(e.file);
        let v = ok_json(
            &env,
            &business,
            &["books", "import", file.to_str().unwrap()],
        );
        assert_eq!(v["format"], e.format, "{}", e.file);
        assert_eq!(v["history"], true);
        assert_eq!(
            (v["added"].as_u64(), v["updated"].as_u64()),
            (Some(e.lines), Some(0)),
            "{}",
            e.file
        );
        let again = ok_json(
            &env,
            &business,
            &["books", "import", file.to_str().unwrap()],
        );
        assert_eq!(
            (again["added"].as_u64(), again["updated"].as_u64()),
            (Some(0), Some(e.lines)),
            "{}: a re-import adds nothing",
            e.file
        );
        let lines = history(&env, &business);
        assert_eq!(lines.len() as u64, e.lines);
        let (party, account, day) = e.holds;
        assert!(
            lines
                .iter()
                .any(|l| l["counterparty"] == party && l["account"] == account && l["day"] == day),
            "{}: no line of {party} to {account} on {day}",
            e.file
        );
        // A list export was never taken for it.
        let chart = ok_json(&env, &business, &["books", "show", "accounts"]);
        assert_eq!(chart.as_array().unwrap().len(), 0, "{}", e.file);

        let before = zopilot_as(&env, &business, &["books", "list"]).1;
        let dir = tempfile::tempdir().unwrap();
        let bad = broken(dir.path(), e);
        let (code, _, err) =
            zopilot_as(&env, &business, &["books", "import", bad.to_str().unwrap()]);
        assert_eq!(code, 2, "{}: {err}", e.file);
        assert!(
            err.contains(&format!("row {}:", e.bad_row)),
            "{}: {err}",
            e.file
        );
        assert_eq!(
            zopilot_as(&env, &business, &["books", "list"]).1,
            before,
            "{}: books unchanged",
            e.file
        );
    }
}

#[test]
fn a_file_not_really_recognised_is_refused_and_a_transaction_export_is_no_chart() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // The export: read as history, the chart untouched.
    let export = write(
        "transactions.csv",
        "date,type,counterparty,number,account,amount,currency,memo\n\
         2024-01-05,Bill,Staples,1001,Office Supplies,120.00,USD,Toner\n\
         2024-02-05,Bill,Staples,1002,Office Supplies,80.00,USD,Paper\n",
    );
    let (code, out, err) = zopilot(&env, &["books", "import", export.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["format"].as_str(), v["added"].as_u64()),
        (Some("zopilot.history_template"), Some(2))
    );
    assert!(chart_names(&env).is_empty(), "no account list was read");
    let before = zopilot(&env, &["books", "list"]).1;
    // Headers no layout really takes: refused, naming the layouts known.
    let unknown = write(
        "ledger.csv",
        "Date,Type,Account,Amount\n2024-01-05,Bill,Office,3\n",
    );
    let (code, _, err) = zopilot(&env, &["books", "import", unknown.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no known header row"), "{err}");
    for known in [
        "quickbooks_online.account_list",
        "quickbooks_online.transaction_detail_by_account",
        "zoho_books.bills",
        "zopilot.history_template",
    ] {
        assert!(err.contains(known), "{known} not named: {err}");
    }
    // An "account list" whose account is of kind Bill.
    let odd = write("accounts.csv", "Account,Type\nOffice,Expenses\nBill,Bill\n");
    let (code, _, err) = zopilot(&env, &["books", "import", odd.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("row 3:") && err.contains("not a type of account"),
        "{err}"
    );
    assert_eq!(
        zopilot(&env, &["books", "list"]).1,
        before,
        "books unchanged"
    );
}

/// Kunden AG Mitte's profile (the buyer of the ZUGFeRD sample), written in `env`.
fn kunden(env: &Env) -> std::path::PathBuf {
    let p = env.path("kunden.toml");
    std::fs::write(
        &p,
        "name = \"Kunden AG Mitte\"\ncountry = \"DE\"\ncurrency = \"EUR\"\naccounting_software = \"quickbooks\"\n",
    )
    .unwrap();
    p
}

fn stages(doc: &Value) -> Vec<String> {
    doc["metrics"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["stage"].as_str().map(str::to_string))
        .collect()
}

fn reasons(doc: &Value) -> Vec<String> {
    doc["result"]["review_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_known_vendors_first_document_is_classified_from_its_history() {
    let invoice = corpus("xml/zugferd-comfort.xml");
    // Without history: the model judges the lines' accounts, the document goes to review.
    let env = Env::new();
    let business = kunden(&env);
    let doc = ok_json(&env, &business, &["process", invoice.to_str().unwrap()]);
    assert_eq!(doc["status"], "preview_required");
    assert!(
        reasons(&doc).contains(&"a line's account was judged by the model".to_string()),
        "{:?}",
        reasons(&doc)
    );
    assert!(doc["result"]["history"].is_null());

    // With Kunden AG Mitte's history: Lieferant GmbH's first document posts straight through.
    let env = Env::new();
    let business = kunden(&env);
    let export = books_dir().join("Kunden AG Mitte_history.csv");
    ok_json(
        &env,
        &business,
        &["books", "import", export.to_str().unwrap()],
    );
    let doc = ok_json(&env, &business, &["process", invoice.to_str().unwrap()]);
    assert_classification(&doc);
    assert_eq!(doc["status"], "classified", "{:?}", reasons(&doc));
    let bill = primary(&doc);
    assert_eq!(bill["action"], "createBill");
    let lines = bill["field_mappings"]["Line"].as_array().unwrap();
    let want = [
        ("Trennblätter A4", "Office Supplies & Software"),
        ("Joghurt Banane", "Meals & Entertainment"),
    ];
    assert_eq!(lines.len(), want.len());
    for (l, (text, account)) in lines.iter().zip(want) {
        assert_eq!(l["description"], text);
        assert_eq!(
            l["account"],
            format!("{{{{lookup:Account:{account}}}}}"),
            "{l}"
        );
        assert_eq!(l["account_decided_by"], "history");
        assert_eq!(
            l["account_evidence"],
            format!("from 14 of 14 posted lines like \"{text}\" of this vendor")
        );
    }
    assert!(
        !stages(&doc).iter().any(|s| s == "judge:line_account"),
        "{:?}",
        stages(&doc)
    );
    let h = &doc["result"]["history"];
    assert_eq!(
        (h["counterparty"].as_str(), h["match"].as_str()),
        (Some("Lieferant GmbH"), Some("exact"))
    );
    assert_eq!(h["transactions"], 14);
    assert!(
        !doc["result"]["suggested_actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "createVendor"),
        "a vendor of the history is known"
    );

    // The approval joins the history: its lines, the corrected account among them.
    let id = doc["id"].as_i64().unwrap().to_string();
    ok_json(
        &env,
        &business,
        &[
            "approve",
            &id,
            "--set",
            "line.2.account=Office Supplies & Software",
        ],
    );
    let approved: Vec<Value> = history(&env, &business)
        .into_iter()
        .filter(|l| l["key"].as_str().unwrap().starts_with("approval:"))
        .collect();
    assert_eq!(approved.len(), 2, "{approved:?}");
    assert!(approved
        .iter()
        .all(|l| l["counterparty"] == "Lieferant GmbH"
            && l["account"] == "Office Supplies & Software"
            && l["day"] == doc["extracted"]["issue_date"]));
}

/// Taylor's Store without an accounting method (a paid invoice then leaves the table a choice).
fn no_method(env: &Env) -> std::path::PathBuf {
    let text = std::fs::read_to_string(profile("taylors-store.toml"))
        .unwrap()
        .replace("accounting_method = \"accrual\"\n", "");
    let p = env.path("no-method.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_history_gives_the_primary_where_the_table_leaves_a_choice_and_rules_come_first() {
    let env = Env::new();
    let business = no_method(&env);
    for f in [
        EXPORTS[0],
        EXPORTS[1],
        "Taylor's Store_Transaction Detail by Account.csv",
    ] {
        let p = books_dir().join(f);
        ok_json(&env, &business, &["books", "import", p.to_str().unwrap()]);
    }
    // A paid invoice: expense or bill + payment; Comcast's transactions were all expenses.
    let doc = ok_json(
        &env,
        &business,
        &[
            "process",
            books_dir()
                .join("comcast-paid-invoice.txt")
                .to_str()
                .unwrap(),
        ],
    );
    let action = primary(&doc);
    assert_eq!(action["action"], "recordExpense");
    assert!(
        action["reasoning"]
            .as_str()
            .unwrap()
            .contains("from 14 of 14 posted transactions of this vendor"),
        "{action}"
    );
    let line = &action["field_mappings"]["Line"][0];
    assert_eq!(
        line["account"],
        "{{lookup:Account:Computer and Internet Expenses}}"
    );
    assert_eq!(
        line["account_evidence"],
        "from 14 of 14 posted lines like \"Business internet 300 Mbps\" of this vendor"
    );
    let s = stages(&doc);
    assert!(
        !s.iter()
            .any(|s| s == "judge:primary_action" || s == "judge:line_account"),
        "{s:?}"
    );

    // Cintas's lines: each by its own text (the report's A/P rows teach nothing).
    let doc = ok_json(
        &env,
        &business,
        &[
            "process",
            books_dir().join("cintas-invoice.txt").to_str().unwrap(),
        ],
    );
    let bill = primary(&doc);
    assert_eq!(
        bill["action"], "createBill",
        "an unpaid invoice: the table decides"
    );
    assert_eq!(line_accounts(bill), ["Uniforms", "Janitorial Expense"]);
    assert!(
        !reasons(&doc).iter().any(|r| r.contains("account")),
        "{:?}",
        reasons(&doc)
    );
    assert_eq!(
        doc["result"]["history"]["accounts"][0]["account"],
        "Uniforms"
    );

    // Northwind's lines went to Office Supplies, but a 3,000 server is still capitalised.
    let doc = ok_json(
        &env,
        &business,
        &[
            "process",
            books_dir().join("northwind-invoice.txt").to_str().unwrap(),
        ],
    );
    let bill = primary(&doc);
    let lines = bill["field_mappings"]["Line"].as_array().unwrap();
    assert_eq!(lines[0]["account_decided_by"], "fixed_asset_rule");
    assert_eq!(lines[1]["account_decided_by"], "history");
    assert_eq!(
        line_accounts(bill),
        ["Store Fixtures and Equipment", "Office Supplies"]
    );
}

#[test]
fn a_chart_that_leaves_a_line_no_account_sends_the_document_to_review() {
    let env = Env::new();
    let business = kunden(&env);
    let chart = env.path("chart.csv");
    std::fs::write(
        &chart,
        "List,Name,Type\naccount,Bank,Bank\naccount,Sales,Income\n",
    )
    .unwrap();
    ok_json(
        &env,
        &business,
        &["books", "import", chart.to_str().unwrap()],
    );
    let (code, out, err) = zopilot_as(
        &env,
        &business,
        &[
            "process",
            corpus("xml/zugferd-comfort.xml").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["status"], "preview_required",
        "never failed: {}",
        doc["error"]
    );
    assert!(
        reasons(&doc).iter().any(|r| r == "2 line(s) without an account: the chart of accounts has no expense account to choose from"),
        "{:?}",
        reasons(&doc)
    );
}
