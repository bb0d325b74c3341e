//! The business's own books, end to end with the real binary: QuickBooks Online exports imported
//! (`zopilot books import`), rates imported, real invoices processed — vendors resolved to the
//! books' ids (exactly, through a fuzzy match, or not found → createVendor), line accounts from
//! the imported chart, the fixed-asset rule, a EUR invoice for a USD business at the imported
//! rate; vendor memory from an approval; bad files refused with the books unchanged; the API's
//! `/books` and `/documents/{id}/payloads`; `zopilot bench judge` over labelled lines.

mod support;

use serde_json::Value;
use support::books::*;
use support::daemon::start;
use support::*;

#[test]
fn imported_books_resolve_vendors_accounts_assets_and_rates() {
    let env = Env::new();
    import_books(&env);
    // Re-importing updates in place.
    let accounts = books_dir().join(EXPORTS[0]);
    let (_, out, _) = zopilot(&env, &["books", "import", accounts.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["added"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(60))
    );
    let chart = chart_names(&env);
    assert_eq!(chart.len(), 60);

    // 1. A misspelt vendor in the books (fuzzy) and a 3,000 USD server: capitalised.
    let doc = process_ok(&env, &books_dir().join("northwind-invoice.txt"));
    assert_classification(&doc);
    let bill = primary(&doc);
    let vendor = resolved(bill, "Vendor");
    assert_eq!(vendor["match"], "fuzzy", "{vendor}");
    assert_eq!(vendor["name"], "Northwind Office Equipment, Inc.");
    assert_eq!(vendor["id"], "102");
    assert!(
        !doc["result"]["suggested_actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "createVendor"),
        "a vendor in the books is not created again"
    );
    let lines = bill["field_mappings"]["Line"].as_array().unwrap();
    let server = lines
        .iter()
        .find(|l| l["description"].as_str().unwrap().contains("server"))
        .unwrap();
    assert_eq!(server["amount"], 3000.0);
    assert_eq!(
        server["account"],
        "{{lookup:Account:Store Fixtures and Equipment}}"
    );
    assert_eq!(server["account_decided_by"], "fixed_asset_rule");
    assert!(doc["result"]["rules_fired"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "fixed-asset threshold"));
    for a in line_accounts(bill) {
        assert!(chart.contains(&a), "{a} is not in the imported chart");
    }
    let payload = &bill["payload"];
    assert_eq!(payload["VendorRef"]["value"], "102");
    assert_eq!(
        payload["Line"][0]["DetailType"],
        "AccountBasedExpenseLineDetail"
    );

    // 2. A vendor the books do not know, in EUR, for a USD business.
    let doc = process_ok(&env, &books_dir().join("hotel-du-lac-facture.txt"));
    assert_classification(&doc);
    let bill = primary(&doc);
    assert_eq!(resolved(bill, "Vendor")["match"], "not_found");
    assert!(doc["result"]["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["action"] == "createVendor" && a["action_type"] == "PREREQUISITE"));
    assert!(doc["result"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("is not in the books")));
    let x = &doc["result"]["exchange"];
    assert_eq!(x["currency"], "EUR");
    assert_eq!(x["home_currency"], "USD");
    assert_eq!(x["rate"], "1.0857");
    assert_eq!(x["rate_date"], "2024-03-05");
    assert_eq!(x["home_currency_amount"], "537.42", "495.00 × 1.0857");
    for a in line_accounts(bill) {
        assert!(chart.contains(&a), "{a} is not in the imported chart");
    }

    // 3. The README's sample: the vendor exactly as in the books.
    let doc = process_ok(&env, &corpus("pdf/i2d_SammyMaystoneLinesTest.pdf"));
    let bill = primary(&doc);
    let vendor = resolved(bill, "Vendor");
    assert_eq!(
        (vendor["match"].as_str(), vendor["id"].as_str()),
        (Some("exact"), Some("101"))
    );
    for a in line_accounts(bill) {
        assert!(chart.contains(&a), "{a} is not in the imported chart");
    }
    let id = doc["id"].as_i64().unwrap();

    // The CSV QuickBooks' bank/expense upload reads: money out negative, US dates.
    let (code, csv, err) = zopilot(&env, &["export", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "Date,Description,Amount");
    assert!(
        rows.contains(&"03/18/2024,Northwind Office Equipment NW-2024-0318,-3045.00")
            || rows
                .iter()
                .any(|r| r.starts_with("03/18/2024,") && r.ends_with(",-3045.00")),
        "{csv}"
    );
    assert_eq!(rows.len(), 4, "a header and three documents: {csv}");

    // The API serves the books and the ready-to-post payloads.
    let d = start(&env);
    let vendors = d.get("/books/taylors-store/vendors");
    assert_eq!(vendors["entries"].as_array().unwrap().len(), 51);
    let p = d.get(&format!("/documents/{id}/payloads"));
    let posted = p["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["action_type"] == "PRIMARY")
        .unwrap();
    assert_eq!(posted["payload"]["VendorRef"]["value"], "101");
    // Approving through the API, with a correction: remembered for the vendor.
    let (code, body) = d.post(
        &format!("/documents/{id}/approve"),
        serde_json::json!({"set": ["account=Store Supplies"]}),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["approval"]["decision"]["account"], "Store Supplies");
    assert!(d.get(&format!("/documents/{id}"))["approved_at"].is_string());
    let (code, _) = d.post("/documents/999/approve", serde_json::json!({}));
    assert_eq!(code, 404);
    let (code, _) = d.post(
        &format!("/documents/{id}/approve"),
        serde_json::json!({"set": ["colour=red"]}),
    );
    assert_eq!(code, 422);
    d.stop();
}

#[test]
fn an_approved_correction_is_used_for_the_vendors_next_invoice_without_the_model() {
    let env = Env::new();
    import_books(&env);
    let first = process_ok(&env, &books_dir().join("northwind-invoice.txt"));
    let id = first["id"].as_i64().unwrap().to_string();
    let (code, _, err) = zopilot(
        &env,
        &[
            "approve",
            &id,
            "--set",
            "action=recordExpense",
            "--set",
            "line.2.account=Store Supplies",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(&zopilot(&env, &["show", &id]).1).unwrap();
    assert!(shown["approved_at"].is_string());

    let next = process_ok(&env, &books_dir().join("northwind-invoice-2.txt"));
    assert_eq!(next["result"]["primary_action"], "recordExpense");
    let action = primary(&next);
    assert!(action["reasoning"]
        .as_str()
        .unwrap()
        .contains("from 1 approved document"));
    for l in action["field_mappings"]["Line"].as_array().unwrap() {
        assert_eq!(l["account"], "{{lookup:Account:Store Supplies}}", "{l}");
        assert_eq!(l["account_decided_by"], "memory");
    }
    let stages: Vec<&str> = next["metrics"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["stage"].as_str())
        .collect();
    assert!(
        !stages
            .iter()
            .any(|s| *s == "judge:line_account" || *s == "judge:primary_action"),
        "no model call for the remembered decisions: {stages:?}"
    );
    assert_eq!(
        next["result"]["vendor_memory"],
        "from 1 approved document of this counterparty"
    );
    // The approval taught where this vendor prints its header fields; on its next invoice what
    // the rules and the (tiny) model did not settle between them is settled where the approved
    // one printed it, and the values are this invoice's own.
    let marks = &shown["approval"]["decision"]["layout"]["marks"];
    assert_eq!(
        marks["invoice_number"][0]["label"], "invoicenumber",
        "{marks}"
    );
    assert_eq!(marks["due_date"][0]["rule"], "label", "{marks}");
    let reading = &next["result"]["reading"];
    for (f, want) in [
        ("invoice_number", serde_json::json!("NW-2024-0412")),
        ("issue_date", serde_json::json!("2024-04-12")),
        ("due_date", serde_json::json!("2024-05-12")),
        ("total", serde_json::json!(126.0)),
    ] {
        assert_eq!(reading[f]["value"], want, "{f}: {}", reading[f]);
        assert_eq!(reading[f]["settled"], true, "{f}: {}", reading[f]);
    }
    let by_memory: Vec<&String> = reading
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["how"] == "as on 1 approved document of this vendor")
        .map(|(f, _)| f)
        .collect();
    assert!(
        !by_memory.is_empty(),
        "nothing settled by the layout: {reading}"
    );
}

#[test]
fn bad_books_and_rates_files_are_refused_and_change_nothing() {
    let env = Env::new();
    import_books(&env);
    let before = zopilot(&env, &["books", "list"]).1;
    let dir = tempfile::tempdir().unwrap();

    let xlsx = std::fs::read(books_dir().join(EXPORTS[1])).unwrap();
    let truncated = dir.path().join("vendors.xlsx");
    std::fs::write(&truncated, &xlsx[..xlsx.len() / 2]).unwrap();
    let (code, _, err) = zopilot(&env, &["books", "import", truncated.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a readable XLSX workbook"), "{err}");

    let wrong = dir.path().join("accounts.csv");
    std::fs::write(&wrong, "Konto;Betrag\nReise;12\n").unwrap();
    let (code, _, err) = zopilot(&env, &["books", "import", wrong.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no known header row"), "{err}");

    let half_bad = dir.path().join("vendors.csv");
    std::fs::write(
        &half_bad,
        "List,Name\nvendor,New Vendor One\nbill,Not A List\n",
    )
    .unwrap();
    let (code, _, err) = zopilot(&env, &["books", "import", half_bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("row 3:"), "{err}");

    assert_eq!(
        zopilot(&env, &["books", "list"]).1,
        before,
        "books unchanged"
    );

    let rates = dir.path().join("rates.csv");
    std::fs::write(
        &rates,
        "date,currency,rate\n2024-03-06,USD,1.09\n2024-03-07,USD,one point one\n",
    )
    .unwrap();
    let (code, _, err) = zopilot(&env, &["rates", "import", rates.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("row 3: the rate \"one point one\" of USD is not a number"),
        "{err}"
    );
    let (_, shown, _) = zopilot(&env, &["rates", "show", "USD", "--date", "2024-03-07"]);
    let v: Value = serde_json::from_str(&shown).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| r["day"] != "2024-03-06"),
        "no rate of the refused file was kept: {v}"
    );
}

#[test]
fn a_zoho_books_business_gets_zoho_actions_ids_and_payloads() {
    let env = Env::new();
    let zoho = books_dir().join("zoho-business.toml");
    for f in ["Zoho Chart of Accounts.csv", "Zoho Contacts.csv"] {
        let export = books_dir().join(f);
        ok_json(&env, &zoho, &["books", "import", export.to_str().unwrap()]);
    }
    let invoice = books_dir().join("northwind-invoice.txt");
    let doc = ok_json(&env, &zoho, &["process", invoice.to_str().unwrap()]);
    assert_eq!(doc["result"]["primary_action"], "createBill");
    let bill = primary(&doc);
    let vendor = resolved(bill, "Contact");
    assert_eq!(vendor["id"], "4600000000000201", "{vendor}");
    assert!(!doc["result"]["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["action"] == "createContact"));
    let lines = bill["field_mappings"]["line_items"].as_array().unwrap();
    assert_eq!(
        lines[0]["account"], "{{lookup:Account:Furniture and Equipment}}",
        "the 3,000 server, capitalised to the imported fixed-asset account"
    );
    assert_eq!(bill["validation"]["total_amount_matches"], true);
    let p = &bill["payload"];
    assert_eq!(p["vendor_id"], "4600000000000201");
    assert_eq!(p["line_items"][0]["account_id"], "4600000000000106");
    assert_eq!(p["bill_number"], "NW-2024-0318");
}

/// `zopilot bench judge` on the oracle model: every labelled line judged among all expense
/// accounts, the totals adding up, and the system prompt taken from the prefix cache from the
/// second judgment on.
#[test]
fn bench_judge_scores_labelled_lines_among_all_accounts() {
    let env = Env::new();
    let lines = env.path("lines.json");
    std::fs::write(
        &lines,
        serde_json::json!({
            "business": {"name": "Harbor Lane Studio", "currency": "USD"},
            "lines": [
                {"description": "Diesel 40 L", "counterparty": "Shell", "amount": 61.2, "currency": "USD", "account": "Car & Truck"},
                {"description": "Quarterly retainer", "counterparty": "Hartley Law Group", "amount": 900.0, "currency": "USD", "account": "Legal & Professional Services"},
                {"description": "Monthly plan, 3 lines", "counterparty": "Verizon", "amount": 45.0, "currency": "USD", "account": "Utilities"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let (code, out, err) = zopilot(
        &env,
        &["bench", "judge", "--lines", lines.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" ok ") || l.contains(" MISS "))
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    let right = rows.iter().filter(|r| r.contains(" ok ")).count();
    assert!(
        out.contains(&format!(
            "model alone (all expense accounts as options): {right}/3"
        )),
        "{out}"
    );
    // "Diesel" is a keyword of Car & Truck; the other two name no keyword.
    assert!(
        out.contains("keywords decide 1 of 3 lines, right 1/1"),
        "{out}"
    );
    let cached: Vec<usize> = rows
        .iter()
        .map(|r| {
            let (_, tail) = r.rsplit_once('(').unwrap();
            tail.trim_start()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(cached[0], 0, "{out}");
    assert!(cached[1] > 10 && cached[1] == cached[2], "{out}");
    // A file with no lines is refused with a reason.
    let empty = env.path("empty.json");
    std::fs::write(&empty, r#"{"business": {"name": "X"}, "lines": []}"#).unwrap();
    let (code, _, err) = zopilot(
        &env,
        &["bench", "judge", "--lines", empty.to_str().unwrap()],
    );
    assert_ne!(code, 0);
    assert!(err.contains("no labelled purchase lines"), "{err}");
}
