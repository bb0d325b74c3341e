//! Helpers of the business-books end-to-end tests: the QuickBooks Online exports in
//! `tests/fixtures/books`, the `zopilot` binary run for a business profile, and readers of a
//! processed document's PRIMARY action, resolved lookups and line accounts.

use serde_json::Value;

use super::{profile, repo_root, Env};

pub fn books_dir() -> std::path::PathBuf {
    repo_root().join("tests/fixtures/books")
}

pub const EXPORTS: [&str; 4] = [
    "Taylor's Store_Account List.csv",
    "Taylor's Store_Vendor Contact List.xlsx",
    "Taylor's Store_Customer Contact List.csv",
    "Taylor's Store_Products and Services.csv",
];

/// `zopilot ARGS…` for Taylor's Store: (exit code, stdout, stderr).
pub fn zopilot(env: &Env, args: &[&str]) -> (i32, String, String) {
    zopilot_as(env, &profile("taylors-store.toml"), args)
}

/// `zopilot ARGS…` for the business of the profile at `business`: (exit code, stdout, stderr).
pub fn zopilot_as(env: &Env, business: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = env.command(business).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`zopilot_as`] that must succeed; its stdout as JSON (or null when it printed none).
pub fn ok_json(env: &Env, business: &std::path::Path, args: &[&str]) -> Value {
    let (code, out, err) = zopilot_as(env, business, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or(Value::Null)
}

/// Taylor's Store's profile with `rules_file` pointing at `rules`, written in `dir`.
pub fn profile_with_rules(
    dir: &std::path::Path,
    name: &str,
    rules: &std::path::Path,
) -> std::path::PathBuf {
    let text = std::fs::read_to_string(profile("taylors-store.toml")).unwrap()
        + &format!("rules_file = {:?}\n", rules.to_str().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn import_books(env: &Env) {
    for f in EXPORTS {
        let p = books_dir().join(f);
        let (code, out, err) = zopilot(env, &["books", "import", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{f}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert!(v["added"].as_u64().unwrap() >= 50, "{f}: {v}");
    }
    let rates = books_dir().join("rates.csv");
    let (code, _, err) = zopilot(env, &["rates", "import", rates.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

pub fn primary(doc: &Value) -> &Value {
    doc["result"]["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action_type"] == "PRIMARY")
        .expect("a PRIMARY action")
}

pub fn resolved<'a>(action: &'a Value, entity: &str) -> &'a Value {
    action["resolved_lookups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"] == entity)
        .unwrap_or_else(|| panic!("no {entity} lookup resolved in {action:#}"))
}

pub fn chart_names(env: &Env) -> Vec<String> {
    let (code, out, _) = zopilot(env, &["books", "show", "accounts"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

pub fn line_accounts(action: &Value) -> Vec<String> {
    action["field_mappings"]["Line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let a = l["account"].as_str().unwrap();
            a.trim_start_matches("{{lookup:Account:")
                .trim_end_matches("}}")
                .to_string()
        })
        .collect()
}
