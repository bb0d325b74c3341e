//! Extraction end to end through the real binary: every corpus document (text PDFs, scanned
//! PDFs and images through OCR, e-invoice XML) yields text; bad files fail with a precise reason
//! and stay untouched; a scanned receipt goes through the whole pipeline.

mod support;

use std::path::Path;

use support::*;

fn text_of(env: &Env, file: &Path) -> String {
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_OCR_MODELS_DIR", ocr_models())
        .args(["text", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The ground-truth invoice number of a corpus document, from `fields/<stem>.json`.
fn invoice_number(stem: &str) -> Option<String> {
    let p = corpus(&format!("fields/{stem}.json"));
    let rows: Vec<(String, String, serde_json::Value)> =
        serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    rows.into_iter()
        .find(|r| r.0 == "invoice_number")
        .and_then(|r| r.2.as_str().map(str::to_string))
}

#[test]
fn every_corpus_document_yields_text_and_ocr_reads_the_invoice_numbers() {
    let env = Env::new();
    let mut n = 0;
    for folder in ["pdf", "scanpdf", "img", "xml"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus(folder))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let text = text_of(&env, &f);
            assert!(text.trim().len() >= 16, "{}: {text:?}", f.display());
            let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
            if let Some(num) = invoice_number(&stem) {
                let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                assert!(
                    squash(&text).contains(&squash(&num)),
                    "{}: {num} not read",
                    f.display()
                );
            }
            n += 1;
        }
    }
    assert_eq!(n, 26);
}

fn process_fails(env: &Env, file: &Path, reason: &str) {
    let before = std::fs::read(file).unwrap();
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_OCR_MODELS_DIR", ocr_models())
        .args(["process", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "failed", "{doc}");
    let err = doc["error"].as_str().unwrap();
    assert!(err.contains(reason), "{}: {err}", file.display());
    assert_eq!(
        std::fs::read(file).unwrap(),
        before,
        "the original is never changed"
    );
}

#[test]
fn bad_files_fail_with_a_precise_reason_and_stay_untouched() {
    let env = Env::new();
    let good =
        std::fs::read(repo_root().join("tests/fixtures/invoice-sammy-maystone.pdf")).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = env.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    process_fails(
        &env,
        &repo_root().join("tests/fixtures/encrypted-invoice.pdf"),
        "encrypted",
    );
    process_fails(
        &env,
        &write("truncated.pdf", &good[..good.len() / 3]),
        "corrupt or truncated",
    );
    process_fails(&env, &write("empty.pdf", b""), "empty");
    process_fails(
        &env,
        &write("invoice.pdf", b"GIF89a\x01\0\x01\0\0\0;"),
        "not a PDF",
    );
    process_fails(
        &env,
        &write("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken"),
        "cannot be decoded",
    );
    process_fails(
        &env,
        &write("archive.docx", b"PK\x03\x04 not really a zip"),
        "unsupported document type",
    );
    process_fails(
        &env,
        &write("data.bin", &[0u8, 1, 2, 3, 250, 251]),
        "unsupported document type",
    );
}

#[test]
fn size_and_page_limits_come_from_the_configuration() {
    let env = Env::new();
    let run = |var: &str, val: &str, file: &Path| {
        let out = env
            .command(&profile("taylors-store.toml"))
            .env(var, val)
            .args(["process", file.to_str().unwrap()])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            doc["status"].clone(),
            doc["error"].as_str().unwrap_or("").to_string(),
        )
    };
    let (status, err) = run("ZOPILOT_MAX_PAGES", "1", &corpus("pdf/i2d_free_fiber.pdf"));
    assert_eq!(status, "failed");
    assert!(err.contains("2 pages, above the limit of 1"), "{err}");
    let (status, err) = run("ZOPILOT_MAX_FILE_BYTES", "1000", &corpus("pdf/i2d_oyo.pdf"));
    assert_eq!(status, "failed");
    assert!(err.contains("above the limit of 1000 bytes"), "{err}");
}

#[test]
fn a_scanned_receipt_photo_goes_through_the_whole_pipeline() {
    let env = Env::new();
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_OCR_MODELS_DIR", ocr_models())
        .args(["process", corpus("img/i2d_oyo_scan.png").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["extracted"]["total"].as_f64(),
        Some(1939.0),
        "{}",
        doc["extracted"]
    );
    assert_eq!(doc["extracted"]["issue_date"], "2017-12-31");
    assert_classification(&doc);
}
