//! Reading through the real binary: candidates chosen under the document's arithmetic overrule a
//! wrong first label; a till receipt with change given is an expense paid; pages photographed
//! sideways or upside down are turned upright before OCR; the reading reports every field's
//! candidates with their evidence.

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn process(env: &Env, file: &Path) -> serde_json::Value {
    let out = env
        .command(&profile("taylors-store.toml"))
        .args(["process", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(env: &Env, name: &str, text: &str) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_arithmetic_overrules_a_first_total_label_that_is_the_net_amount() {
    let env = Env::new();
    // The first line labelled "Total" is the amount before VAT; the rule reading takes it.
    let f = write(
        &env,
        "invoice.txt",
        "Harbour Print Works Ltd\n12 Quay Street, Bristol BS1 4DJ\n\nINVOICE\nInvoice No: HPW-3301\n\
         Date: 14/02/2025\n\nBill to: Taylor's Store\n\n\
         Description                         Amount\n\
         Leaflets, 2,000 copies              100.00\n\n\
         Total                               100.00\n\
         VAT 20%                              20.00\n\
         Total incl. VAT                     120.00\n",
    );
    let doc = process(&env, &f);
    let x = &doc["extracted"];
    assert_eq!(x["total"].as_f64(), Some(120.0), "{x:#}");
    assert_eq!(x["subtotal"].as_f64(), Some(100.0), "{x:#}");
    assert_eq!(x["tax"].as_f64(), Some(20.0), "{x:#}");
    assert_eq!(x["provenance"]["total"]["method"], "arithmetic", "{x:#}");
    assert_eq!(x["provenance"]["total"]["settled"], true);
    // The rule reading's pick is still among the candidates, ranked but not deciding.
    let reading = &doc["result"]["reading"]["total"];
    let values: Vec<f64> = reading["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["value"].as_f64())
        .collect();
    assert!(
        values.contains(&100.0) && values.contains(&120.0),
        "{reading:#}"
    );
    assert_eq!(reading["value"].as_f64(), Some(120.0));
}

#[test]
fn a_till_receipt_with_change_given_is_an_expense_paid_not_a_bill() {
    let env = Env::new();
    let f = write(
        &env,
        "receipt.txt",
        "KEDAI RUNCIT MAJU SDN BHD\nNo. 3 Jalan Besar, 43000 Kajang\n\n        TAX INVOICE\n\
         Date: 12/03/2024   Time: 18:02\n\n\
         MILO 1KG                 1      18.90\n\
         GARDENIA BREAD           2       7.60\n\n\
         TOTAL                           26.50\n\
         CASH                            50.00\n\
         CHANGE                          23.50\n\nTHANK YOU PLEASE COME AGAIN\n",
    );
    let doc = process(&env, &f);
    assert_eq!(
        doc["result"]["primary_action"], "recordExpense",
        "{:#}",
        doc["result"]
    );
    assert_eq!(doc["extracted"]["document_type"], "receipt");
    assert_eq!(doc["extracted"]["payment"]["paid"], true);
    assert_eq!(doc["extracted"]["total"].as_f64(), Some(26.5));
    assert_classification(&doc);
}

#[test]
fn pages_turned_by_a_quarter_or_a_half_are_read_upright() {
    let env = Env::new();
    let src = image::open(corpus("img/i2d_oyo_scan.png")).unwrap();
    for degrees in [90, 180, 270] {
        let turned = match degrees {
            90 => src.rotate90(),
            180 => src.rotate180(),
            _ => src.rotate270(),
        };
        let p = env.path(&format!("oyo-{degrees}.png"));
        turned.save(&p).unwrap();
        let out = env
            .command(&profile("taylors-store.toml"))
            .args(["text", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text: String = String::from_utf8(out.stdout)
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        // The booking id and the amount paid, as the upright page reads them.
        assert!(text.contains("IBZY2087"), "{degrees}°: {text}");
        assert!(text.contains("1939"), "{degrees}°: {text}");
    }
}

#[test]
fn text_candidates_lists_every_fields_candidates_with_their_evidence() {
    let env = Env::new();
    let p = write(
        &env,
        "till.txt",
        "Contoso\n123 Main Street\n6/10/2019 13:59\nSurface Pro 6   $1,998.00\n\
         Sub-Total   $1,998.00\nTax   $0.00\nTotal   $1,998.00\n",
    );
    let out = env
        .command(&profile("taylors-store.toml"))
        .args(["text", "--candidates", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let field = |f: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["field"] == f)
            .unwrap_or_else(|| panic!("no {f} in {v}"))["candidates"]
            .clone()
    };
    // Untitled, with the minute of the sale: a receipt first, with the line that says so.
    let kinds = field("document_type");
    assert_eq!(kinds[0]["value"], "receipt", "{kinds}");
    assert_eq!(kinds[0]["evidence"]["rule"], "time of day");
    assert_eq!(kinds[0]["evidence"]["line"], 2);
    let totals = field("total");
    assert!(
        totals
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == 1998.0),
        "{totals}"
    );
}
