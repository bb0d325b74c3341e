//! The daemon's state as `zopilot status` and `GET /status` show it, built from [`Storage`]
//! reads (one function for both, so the command line and the API cannot disagree).

use anyhow::Result;

use super::Storage;

/// The daemon's state for `zopilot status` and `GET /status`:
/// `{paused, current: [{id, file, instance, machine}], done_today, last_error: {id, file, error} | null,
/// moves_blocked: [{id, file, error}], queued, running, done, failed, dead, duplicate, total,
/// by_source: {source: {status: n}}}`
/// where `running` counts the in-flight statuses, `done` the classified and preview-required
/// ones, `done_today` those finished since local midnight, and `last_error` is the newest
/// finished document when it failed (a later success clears it); `moves_blocked` lists the
/// originals whose move failed and is being retried. `current` lists every document in flight
/// in the store — with a shared PostgreSQL store, those of every daemon: `instance` is the
/// daemon holding it (`<host>:<data folder hash>`, see [`crate::worker::instance_id`]) and
/// `machine` its host name.
pub fn summary(store: &dyn Storage) -> Result<serde_json::Value> {
    let mut by_source = serde_json::Map::new();
    let (mut queued, mut running, mut done, mut failed, mut dead, mut duplicate, mut total) =
        (0, 0, 0, 0, 0, 0, 0);
    for (source, status, n) in store.counts_by_source()? {
        total += n;
        match status.as_str() {
            "queued" => queued += n,
            "extracting" | "classifying" | "mapping" => running += n,
            "classified" | "preview_required" | "approved" | "rejected" => done += n,
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
    let activity = store.activity(&start_of_local_day())?;
    Ok(serde_json::json!({
        "paused": store.is_paused()?,
        "current": activity.current.iter().map(|(id, file, owner)| {
            let instance = owner.as_deref().map(|o| o.split('/').next().unwrap_or(o));
            let machine = instance.map(|i| i.rsplit_once(':').map_or(i, |(h, _)| h));
            serde_json::json!({"id": id, "file": file, "instance": instance, "machine": machine})
        }).collect::<Vec<_>>(),
        "done_today": activity.done_since,
        "last_error": activity.last_error.map(|(id, file, error)| serde_json::json!({"id": id, "file": file, "error": error})),
        "moves_blocked": activity.blocked_moves.iter().map(|(id, file, error)| serde_json::json!({"id": id, "file": file, "error": error})).collect::<Vec<_>>(),
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

/// Local midnight as an RFC 3339 UTC timestamp in the store's format.
fn start_of_local_day() -> String {
    use chrono::{Local, TimeZone, Utc};
    let midnight = Local::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    Local
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
