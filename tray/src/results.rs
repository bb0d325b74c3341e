//! "Open results": the documents list as a private HTML page opened in the default browser
//! (the API needs the key, which a browser link cannot carry).

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The page for a `GET /documents` body: one row per document (id, file, status, PRIMARY
/// action, total, finished, error).
pub fn render(docs: &Value) -> String {
    let mut rows = String::new();
    for d in docs["documents"].as_array().into_iter().flatten() {
        let primary = d["stage1"]["suggested_actions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["role"] == "PRIMARY"))
            .map(|a| text(&a["action"]))
            .unwrap_or_default();
        let total = match (&d["extracted"]["total"], &d["extracted"]["currency"]) {
            (Value::Null, _) => String::new(),
            (t, c) => format!("{} {}", text(t), text(c)).trim().to_string(),
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&text(&d["id"])),
            esc(&text(&d["file_name"])),
            esc(&text(&d["status"])),
            esc(&text(&d["status"])),
            esc(&primary),
            esc(&total),
            esc(&text(&d["finished_at"])),
            esc(&text(&d["error"])),
        ));
    }
    format!(
        "<!doctype html>\n<meta charset=\"utf-8\"><title>Zopilot results</title>\n<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}}.n{{text-align:right}}.failed,.dead{{color:#b00}}.duplicate{{color:#777}}</style>\n<h1>Zopilot results</h1>\n<table><tr><th>#</th><th>File</th><th>Status</th><th>PRIMARY action</th><th>Total</th><th>Finished</th><th>Error</th></tr>\n{rows}</table>\n"
    )
}

/// Write the page to `path` (mode 0600: it lists the user's documents).
pub fn write(path: &Path, docs: &Value) -> Result<()> {
    zopilot_common::private_file::write(path, render(docs).as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_show_the_primary_action_and_escape_names() {
        let docs = json!({"documents": [{
            "id": 7, "file_name": "<b>inv</b>.pdf", "status": "classified",
            "stage1": {"suggested_actions": [
                {"role": "PREREQUISITE", "action": "create_contact"},
                {"role": "PRIMARY", "action": "create_bill"}]},
            "extracted": {"total": 123.4, "currency": "EUR"},
            "finished_at": "2026-11-21T10:00:00Z", "error": null}]});
        let html = render(&docs);
        assert!(html.contains("<td>create_bill</td>"), "{html}");
        assert!(html.contains("123.4 EUR"));
        assert!(html.contains("&lt;b&gt;inv&lt;/b&gt;.pdf"));
        assert!(!html.contains("<b>inv"));
    }
}
