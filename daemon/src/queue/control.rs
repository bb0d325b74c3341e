//! Daemon-wide switches persisted in the `control` table, so that they survive restarts: a
//! paused daemon stays paused after a reboot until someone resumes it.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use crate::store::Store;

/// Whether processing is paused (documents are still watched and enqueued).
pub fn is_paused(store: &Store) -> Result<bool> {
    let v: Option<String> = store
        .lock()
        .query_row("SELECT value FROM control WHERE key = 'paused'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.as_deref() == Some("1"))
}

/// Pause or resume processing. The worker finishes the document it holds, then claims nothing
/// until resumed.
pub fn set_paused(store: &Store, paused: bool) -> Result<()> {
    store.lock().execute(
        "INSERT INTO control (key, value) VALUES ('paused', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![if paused { "1" } else { "0" }],
    )?;
    Ok(())
}

/// The daemon's state for `zopilot status` and `GET /status`:
/// `{paused, queued, running, done, failed, dead, duplicate, total, by_source: {source: {status: n}}}`
/// where `running` counts the in-flight statuses and `done` the classified and
/// preview-required ones.
pub fn summary(store: &Store) -> Result<serde_json::Value> {
    let mut by_source = serde_json::Map::new();
    let (mut queued, mut running, mut done, mut failed, mut dead, mut duplicate, mut total) =
        (0, 0, 0, 0, 0, 0, 0);
    for (source, status, n) in store.counts_by_source()? {
        total += n;
        match status.as_str() {
            "queued" => queued += n,
            "extracting" | "classifying" | "mapping" => running += n,
            "classified" | "preview_required" => done += n,
            "failed" => failed += n,
            "dead" => dead += n,
            "duplicate" => duplicate += n,
            _ => {}
        }
        let e = by_source
            .entry(source)
            .or_insert_with(|| serde_json::json!({}));
        e[status] = serde_json::json!(n);
    }
    Ok(serde_json::json!({
        "paused": is_paused(store)?,
        "queued": queued,
        "running": running,
        "done": done,
        "failed": failed,
        "dead": dead,
        "duplicate": duplicate,
        "total": total,
        "by_source": by_source,
    }))
}
