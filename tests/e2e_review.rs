//! The review page in a real browser (Debian's Chromium, headless, through selenium and
//! ChromeDriver: `tests/clients/review_browser.py`) on a daemon with three processed corpus
//! documents: sign in through the one-time link `zopilot open --print` gives, open a document,
//! screenshot it (kept under `target/artifacts/`, or `ZOPILOT_ARTIFACTS_DIR`), edit the vendor and
//! one line's account, approve with the keyboard, reload → `approved` with the edits. A request
//! without the cookie, or with a stale CSRF token, is refused; the key is not in the page; a
//! sign-in link works once.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::daemon::start;
use support::*;

const VENDOR: &str = "Sammy Maystone Design Studio";
const ACCOUNT: &str = "Office Supplies & Software";

fn artifacts() -> std::path::PathBuf {
    let dir = std::env::var_os("ZOPILOT_ARTIFACTS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/artifacts"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_accountant_signs_in_edits_and_approves_with_the_keyboard() {
    let env = Env::new();
    let d = start(&env);
    for f in [
        "pdf/i2d_SammyMaystoneLinesTest.pdf",
        "pdf/i2d_AmazonWebServices.pdf",
        "pdf/i2d_free_fiber.pdf",
    ] {
        let src = corpus(f);
        std::fs::copy(&src, env.drop_folder().join(src.file_name().unwrap())).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    let docs = loop {
        let docs = d.get("/documents?limit=10")["documents"]
            .as_array()
            .unwrap()
            .clone();
        let done = docs.iter().filter(|x| {
            matches!(
                x["status"].as_str(),
                Some("classified" | "preview_required")
            )
        });
        if done.count() == 3 {
            break docs;
        }
        assert!(Instant::now() < deadline, "not processed: {docs:#?}");
        std::thread::sleep(Duration::from_millis(250));
    };
    let id = docs
        .iter()
        .find(|x| x["file_name"] == "i2d_SammyMaystoneLinesTest.pdf")
        .unwrap()["id"]
        .to_string();

    // Signed out: the page explains how to sign in; the API wants the key or a session.
    let r = ureq::get(&format!("{}/", d.base)).call();
    assert!(matches!(r, Err(ureq::Error::Status(401, _))));
    let listen = d.base.trim_start_matches("http://").to_string();
    let link = |env: &Env| {
        let out = env
            .command(&profile("taylors-store.toml"))
            .env("ZOPILOT_LISTEN", &listen)
            .args(["open", "--print"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    // A link works once.
    let used = link(&env);
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    assert_eq!(agent.get(&used).call().unwrap().status(), 303);
    assert!(matches!(
        agent.get(&used).call(),
        Err(ureq::Error::Status(401, _))
    ));

    let shot = artifacts().join("review-document.png");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new(test_python())
        .arg(repo_root().join("tests/clients/review_browser.py"))
        .env("ZOPILOT_SIGNIN_URL", link(&env))
        .env("ZOPILOT_BASE_URL", &d.base)
        .env("ZOPILOT_API_KEY", &d.key)
        .env("REVIEW_DOC_ID", &id)
        .env("REVIEW_VENDOR", VENDOR)
        .env("REVIEW_ACCOUNT", ACCOUNT)
        .env("REVIEW_SCREENSHOT", &shot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "review_browser.py:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["progress"], "0 of 3 reviewed", "{seen}");
    assert_eq!(seen["read_vendor"], "Sammy Maystone", "{seen}");
    assert!(
        seen["boxes"].as_u64().unwrap() >= 1,
        "the vendor's provenance box is drawn: {seen}"
    );
    assert_eq!(seen["message"], "Approved with 2 corrections.", "{seen}");
    assert!(
        seen["status_line"].as_str().unwrap().contains("approved"),
        "{seen}"
    );
    assert_eq!(
        (
            seen["vendor_after"].as_str(),
            seen["account_after"].as_str()
        ),
        (Some(VENDOR), Some(ACCOUNT)),
        "{seen}"
    );
    assert_eq!(
        (seen["stale_csrf"].as_u64(), seen["no_cookie"].as_u64()),
        (Some(403), Some(401)),
        "{seen}"
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot at {}",
        shot.display()
    );

    // What the daemon stored.
    let doc = d.get(&format!("/documents/{id}"));
    assert_eq!(doc["status"], "approved");
    let corrections: Vec<&str> = doc["approval"]["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        corrections.contains(&format!("vendor={VENDOR}").as_str()),
        "{corrections:?}"
    );
    assert!(
        corrections.contains(&format!("line.1.account={ACCOUNT}").as_str()),
        "{corrections:?}"
    );
    assert_eq!(d.get("/status")["done"], 3);
}
