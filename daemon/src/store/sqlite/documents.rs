//! `documents` rows: reads, terminal writes (with the original's pending move) and the moves'
//! confirmation.

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::rows::{event, from_row, path_columns, COLUMNS, FENCE};
use crate::store::document::{now, Activity, Document, Job, Outcome, PendingMove, Status};

fn opt_json(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

pub(super) fn document(c: &Connection, id: i64) -> Result<Option<Document>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM documents WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .context("reading a document")
}

pub(super) fn documents(
    c: &Connection,
    status: Option<Status>,
    limit: usize,
    offset: usize,
) -> Result<Vec<Document>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {COLUMNS} FROM documents WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![status.map(Status::as_str), limit as i64, offset as i64],
        from_row,
    )?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .context("listing documents")
}

pub(super) fn complete(
    c: &mut Connection,
    job: &Job,
    status: Status,
    o: &Outcome,
    move_to: Option<&std::path::Path>,
) -> Result<bool> {
    debug_assert!(status.is_terminal());
    let (move_text, move_raw) = path_columns(move_to);
    let ts = now();
    let tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = ?4, updated_at = ?5, finished_at = ?5, business_json = ?6,
                extracted_json = ?7, stage1_json = ?8, stage2_json = ?9, result_json = ?10, warnings_json = ?11,
                metrics_json = ?12, model = ?13, error = NULL, lease_owner = NULL, lease_expires_ms = NULL,
                move_pending = ?14, move_pending_raw = ?15
             WHERE {FENCE}"
        ),
        params![
            job.doc.id,
            job.owner,
            job.token,
            status.as_str(),
            ts,
            opt_json(&o.business),
            opt_json(&o.extracted),
            opt_json(&o.stage1),
            opt_json(&o.stage2),
            opt_json(&o.result),
            serde_json::to_string(&o.warnings)?,
            opt_json(&o.metrics),
            o.model,
            move_text,
            move_raw,
        ],
    )?;
    if n == 1 {
        event(
            &tx,
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
    c: &mut Connection,
    job: &Job,
    reason: &str,
    partial: &Outcome,
    move_to: Option<&std::path::Path>,
) -> Result<bool> {
    let ts = now();
    let (move_text, move_raw) = path_columns(move_to);
    let tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = 'failed', updated_at = ?4, finished_at = ?4, error = ?5,
                business_json = COALESCE(?6, business_json), extracted_json = COALESCE(?7, extracted_json),
                stage1_json = COALESCE(?8, stage1_json), metrics_json = COALESCE(?9, metrics_json),
                warnings_json = ?10, model = COALESCE(?11, model), lease_owner = NULL, lease_expires_ms = NULL,
                move_pending = ?12, move_pending_raw = ?13
             WHERE {FENCE}"
        ),
        params![
            job.doc.id,
            job.owner,
            job.token,
            ts,
            reason,
            opt_json(&partial.business),
            opt_json(&partial.extracted),
            opt_json(&partial.stage1),
            opt_json(&partial.metrics),
            serde_json::to_string(&partial.warnings)?,
            partial.model,
            move_text,
            move_raw,
        ],
    )?;
    if n == 1 {
        event(
            &tx,
            job.doc.id,
            "completed",
            Some(&job.owner),
            Some("failed"),
        )?;
    }
    tx.commit()?;
    Ok(n == 1)
}

pub(super) fn pending_moves(c: &Connection) -> Result<Vec<PendingMove>> {
    let mut st = c.prepare(
        "SELECT id, COALESCE(original_path_raw, CAST(original_path AS BLOB)),
                COALESCE(move_pending_raw, CAST(move_pending AS BLOB)), move_attempts, move_next_ms
         FROM documents WHERE move_pending IS NOT NULL ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        let (from, to): (Vec<u8>, Vec<u8>) = (r.get(1)?, r.get(2)?);
        Ok(PendingMove {
            id: r.get(0)?,
            from: crate::os_path::from_bytes(&from),
            to: crate::os_path::from_bytes(&to),
            attempts: r.get(3)?,
            next_ms: r.get(4)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading pending moves")
}

pub(super) fn settle_move(
    c: &mut Connection,
    id: i64,
    moved_to: Option<&std::path::Path>,
    note: Option<&str>,
) -> Result<()> {
    let (text, raw) = path_columns(moved_to);
    let tx = c.transaction()?;
    tx.execute(
        "UPDATE documents SET moved_to = COALESCE(?2, moved_to), moved_to_raw = COALESCE(?3, moved_to_raw),
            move_pending = NULL, move_pending_raw = NULL, move_error = NULL, move_next_ms = 0
         WHERE id = ?1",
        params![id, text, raw],
    )?;
    let what = if moved_to.is_some() {
        "moved"
    } else {
        "not_moved"
    };
    event(&tx, id, what, None, note.or(text.as_deref()))?;
    tx.commit()?;
    Ok(())
}

pub(super) fn move_blocked(
    c: &mut Connection,
    id: i64,
    error: &str,
    retry_at_ms: i64,
) -> Result<()> {
    let tx = c.transaction()?;
    tx.execute(
        "UPDATE documents SET move_error = ?2, move_attempts = move_attempts + 1, move_next_ms = ?3
         WHERE id = ?1 AND move_pending IS NOT NULL",
        params![id, error, retry_at_ms],
    )?;
    event(&tx, id, "move_blocked", None, Some(error))?;
    tx.commit()?;
    Ok(())
}

pub(super) fn counts_by_source(c: &Connection) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = c.prepare(
        "SELECT source, status, COUNT(*) FROM documents GROUP BY source, status ORDER BY source, status",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .context("counting documents")
}

pub(super) fn activity(c: &Connection, since: &str) -> Result<Activity> {
    let done_since: i64 = c.query_row(
        "SELECT COUNT(*) FROM documents WHERE status IN ('classified', 'preview_required') AND finished_at >= ?1",
        params![since],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare(
        "SELECT id, file_name, lease_owner FROM documents WHERE status IN ('extracting', 'classifying', 'mapping') ORDER BY id",
    )?;
    let current = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let last: Option<(i64, String, String, Option<String>)> = c
        .query_row(
            "SELECT id, file_name, status, error FROM documents
             WHERE status IN ('classified', 'preview_required', 'failed', 'dead') AND finished_at IS NOT NULL
             ORDER BY finished_at DESC, id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let last_error = last
        .filter(|(_, _, status, _)| status == "failed" || status == "dead")
        .map(|(id, file, _, error)| (id, file, error.unwrap_or_default()));
    let mut stmt = c.prepare(
        "SELECT id, file_name, move_error FROM documents
         WHERE move_pending IS NOT NULL AND move_error IS NOT NULL ORDER BY id",
    )?;
    let blocked_moves = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Activity {
        done_since,
        current,
        last_error,
        blocked_moves,
    })
}

pub(super) fn recent_extracted(
    c: &Connection,
    except: i64,
    limit: usize,
) -> Result<Vec<(i64, Value)>> {
    let mut st = c.prepare(
        "SELECT id, extracted_json FROM documents
         WHERE id != ?1 AND extracted_json IS NOT NULL AND status != 'duplicate'
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![except, limit as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let rows: Vec<(i64, String)> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, s)| serde_json::from_str(&s).ok().map(|v| (id, v)))
        .collect())
}
