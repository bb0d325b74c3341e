//! The `documents` row as SQL sees it: the column list, the row → [`Document`] mapping, the
//! fencing condition and the event log insert — shared by the queue and the document writes.

use rusqlite::{params, Connection, Row};
use serde_json::Value;

use crate::store::document::{now_ms, Document, RawPaths, Status};

pub(super) use crate::store::document::{path_columns, COLUMNS};

fn path_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<std::path::PathBuf>> {
    let b: Option<Vec<u8>> = row.get(i)?;
    Ok(b.map(|b| crate::os_path::from_bytes(&b)))
}

pub(super) fn json_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Value>> {
    Ok(crate::store::document::json_column(row.get(i)?))
}

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Document> {
    let status: String = row.get(6)?;
    Ok(Document {
        id: row.get(0)?,
        original_path: row.get(1)?,
        file_name: row.get(2)?,
        sha256: row.get(3)?,
        size_bytes: row.get(4)?,
        source: row.get(5)?,
        status: Status::parse(&status).unwrap_or(Status::Failed),
        attempts: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        started_at: row.get(10)?,
        finished_at: row.get(11)?,
        business: json_col(row, 12)?,
        extracted: json_col(row, 13)?,
        stage1: json_col(row, 14)?,
        stage2: json_col(row, 15)?,
        result: json_col(row, 16)?,
        warnings: json_col(row, 17)?,
        metrics: json_col(row, 18)?,
        model: row.get(19)?,
        error: row.get(20)?,
        duplicate_of: row.get(21)?,
        moved_to: row.get(22)?,
        move_pending: row.get(23)?,
        interruptions: row.get(24)?,
        approved_at: row.get(25)?,
        approval: json_col(row, 26)?,
        raw: RawPaths {
            original: path_col(row, 27)?,
            moved_to: path_col(row, 28)?,
            move_pending: path_col(row, 29)?,
        },
        move_error: row.get(30)?,
    })
}

/// SQL condition that `job` still holds its document (parameters `?1` id, `?2` owner, `?3` token).
pub(super) const FENCE: &str = "id = ?1 AND lease_owner = ?2 AND attempts = ?3 \
    AND status IN ('extracting', 'classifying', 'mapping')";

pub(super) fn event(
    c: &Connection,
    id: i64,
    event: &str,
    worker: Option<&str>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO events (document_id, event, at_ms, worker, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, event, now_ms(), worker, detail],
    )?;
    Ok(())
}
