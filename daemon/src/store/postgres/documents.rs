//! `documents` rows on PostgreSQL: reads, terminal writes (with the original's pending move) and
//! the moves' confirmation — the SQLite statements with `$n` parameters. A terminal write records
//! its worker (`finished_by`) and keeps the move for that daemon for a while
//! ([`own_move_until`]): another daemon's between-documents retry takes over only a move left
//! behind (its daemon killed between the commit and the rename).

use std::path::Path;

use anyhow::{Context, Result};
use postgres::Client;
use serde_json::Value;

use super::rows::{event, from_row, path_columns, COLUMNS, FENCE};
use crate::store::document::{now, now_ms, Activity, Document, Job, Outcome, PendingMove, Status};

/// How long a daemon's own move stays its own before others may retry it (ms).
const OWN_MOVE_MS: i64 = 60_000;

/// `move_next_ms` for a move just decided: now + [`OWN_MOVE_MS`].
pub(super) fn own_move_until() -> i64 {
    now_ms() + OWN_MOVE_MS
}

fn opt_json(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

pub(super) fn document(c: &mut Client, id: i64) -> Result<Option<Document>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM documents WHERE id = $1"),
        &[&id],
    )
    .context("reading a document")?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) fn documents(
    c: &mut Client,
    status: Option<Status>,
    limit: usize,
    offset: usize,
) -> Result<Vec<Document>> {
    let rows = c
        .query(
            &format!(
                "SELECT {COLUMNS} FROM documents WHERE ($1::TEXT IS NULL OR status = $1)
                 ORDER BY id DESC LIMIT $2 OFFSET $3"
            ),
            &[
                &status.map(Status::as_str),
                &(limit as i64),
                &(offset as i64),
            ],
        )
        .context("listing documents")?;
    rows.iter().map(from_row).collect()
}

pub(super) fn complete(
    c: &mut Client,
    job: &Job,
    status: Status,
    o: &Outcome,
    move_to: Option<&Path>,
) -> Result<bool> {
    debug_assert!(status.is_terminal());
    let (move_text, move_raw) = path_columns(move_to);
    let mut tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = $4, updated_at = $5, finished_at = $5, business_json = $6,
                extracted_json = $7, stage1_json = $8, stage2_json = $9, result_json = $10, warnings_json = $11,
                metrics_json = $12, model = $13, error = NULL, lease_owner = NULL, lease_expires_ms = NULL,
                move_pending = $14, move_pending_raw = $15, finished_by = $2, move_next_ms = $16
             WHERE {FENCE}"
        ),
        &[
            &job.doc.id,
            &job.owner,
            &job.token,
            &status.as_str(),
            &now(),
            &opt_json(&o.business),
            &opt_json(&o.extracted),
            &opt_json(&o.stage1),
            &opt_json(&o.stage2),
            &opt_json(&o.result),
            &serde_json::to_string(&o.warnings)?,
            &opt_json(&o.metrics),
            &o.model,
            &move_text,
            &move_raw,
            &own_move_until(),
        ],
    )?;
    if n == 1 {
        event(
            &mut tx,
            job.doc.id,
            "completed",
            Some(&job.owner),
            Some(status.as_str()),
        )?;
    }
    tx.commit()?;
    Ok(n == 1)
}

pub(super) fn fail(
    c: &mut Client,
    job: &Job,
    reason: &str,
    partial: &Outcome,
    move_to: Option<&Path>,
) -> Result<bool> {
    let (move_text, move_raw) = path_columns(move_to);
    let mut tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = 'failed', updated_at = $4, finished_at = $4, error = $5,
                business_json = COALESCE($6, business_json), extracted_json = COALESCE($7, extracted_json),
                stage1_json = COALESCE($8, stage1_json), metrics_json = COALESCE($9, metrics_json),
                warnings_json = $10, model = COALESCE($11, model), lease_owner = NULL, lease_expires_ms = NULL,
                move_pending = $12, move_pending_raw = $13, finished_by = $2, move_next_ms = $14
             WHERE {FENCE}"
        ),
        &[
            &job.doc.id,
            &job.owner,
            &job.token,
            &now(),
            &reason,
            &opt_json(&partial.business),
            &opt_json(&partial.extracted),
            &opt_json(&partial.stage1),
            &opt_json(&partial.metrics),
            &serde_json::to_string(&partial.warnings)?,
            &partial.model,
            &move_text,
            &move_raw,
            &own_move_until(),
        ],
    )?;
    if n == 1 {
        event(
            &mut tx,
            job.doc.id,
            "completed",
            Some(&job.owner),
            Some("failed"),
        )?;
    }
    tx.commit()?;
    Ok(n == 1)
}

pub(super) fn pending_moves(c: &mut Client) -> Result<Vec<PendingMove>> {
    let rows = c
        .query(
            "SELECT id, COALESCE(original_path_raw, convert_to(original_path, 'UTF8')),
                    COALESCE(move_pending_raw, convert_to(move_pending, 'UTF8')), move_attempts, move_next_ms
             FROM documents WHERE move_pending IS NOT NULL ORDER BY id",
            &[],
        )
        .context("reading pending moves")?;
    Ok(rows
        .iter()
        .map(|r| PendingMove {
            id: r.get(0),
            from: crate::os_path::from_bytes(&r.get::<_, Vec<u8>>(1)),
            to: crate::os_path::from_bytes(&r.get::<_, Vec<u8>>(2)),
            attempts: r.get(3),
            next_ms: r.get(4),
        })
        .collect())
}

pub(super) fn settle_move(
    c: &mut Client,
    id: i64,
    moved_to: Option<&Path>,
    note: Option<&str>,
) -> Result<()> {
    let (text, raw) = path_columns(moved_to);
    let mut tx = c.transaction()?;
    tx.execute(
        "UPDATE documents SET moved_to = COALESCE($2, moved_to), moved_to_raw = COALESCE($3, moved_to_raw),
            move_pending = NULL, move_pending_raw = NULL, move_error = NULL, move_next_ms = 0
         WHERE id = $1",
        &[&id, &text, &raw],
    )?;
    let what = if moved_to.is_some() {
        "moved"
    } else {
        "not_moved"
    };
    event(&mut tx, id, what, None, note.or(text.as_deref()))?;
    tx.commit()?;
    Ok(())
}

pub(super) fn move_blocked(c: &mut Client, id: i64, error: &str, retry_at_ms: i64) -> Result<()> {
    let mut tx = c.transaction()?;
    tx.execute(
        "UPDATE documents SET move_error = $2, move_attempts = move_attempts + 1, move_next_ms = $3
         WHERE id = $1 AND move_pending IS NOT NULL",
        &[&id, &error, &retry_at_ms],
    )?;
    event(&mut tx, id, "move_blocked", None, Some(error))?;
    tx.commit()?;
    Ok(())
}

pub(super) fn counts_by_source(c: &mut Client) -> Result<Vec<(String, String, i64)>> {
    let rows = c
        .query(
            "SELECT source, status, COUNT(*) FROM documents GROUP BY source, status ORDER BY source, status",
            &[],
        )
        .context("counting documents")?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

pub(super) fn activity(c: &mut Client, since: &str) -> Result<Activity> {
    let done_since: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM documents WHERE status IN ('classified', 'preview_required') AND finished_at >= $1",
            &[&since],
        )?
        .get(0);
    let current = c
        .query(
            "SELECT id, file_name, lease_owner FROM documents WHERE status IN ('extracting', 'classifying', 'mapping') ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let last = c.query_opt(
        "SELECT id, file_name, status, error FROM documents
         WHERE status IN ('classified', 'preview_required', 'failed', 'dead') AND finished_at IS NOT NULL
         ORDER BY finished_at DESC, id DESC LIMIT 1",
        &[],
    )?;
    let last_error = last
        .filter(|r| matches!(r.get::<_, &str>(2), "failed" | "dead"))
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get::<_, Option<String>>(3).unwrap_or_default(),
            )
        });
    let blocked_moves = c
        .query(
            "SELECT id, file_name, move_error FROM documents
             WHERE move_pending IS NOT NULL AND move_error IS NOT NULL ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    Ok(Activity {
        done_since,
        current,
        last_error,
        blocked_moves,
    })
}

pub(super) fn recent_extracted(
    c: &mut Client,
    except: i64,
    limit: usize,
) -> Result<Vec<(i64, Value)>> {
    let rows = c.query(
        "SELECT id, extracted_json FROM documents
         WHERE id != $1 AND extracted_json IS NOT NULL AND status != 'duplicate'
         ORDER BY id DESC LIMIT $2",
        &[&except, &(limit as i64)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let s: String = r.get(1);
            serde_json::from_str(&s).ok().map(|v| (r.get(0), v))
        })
        .collect())
}
