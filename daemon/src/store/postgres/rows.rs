//! The `documents` row as PostgreSQL sees it: the row → [`Document`] mapping, the fencing
//! condition and the event log insert — shared by the queue and the document writes. The column
//! list is shared with SQLite ([`crate::store::document::COLUMNS`]).

use anyhow::Result;
use postgres::{GenericClient, Row};
use serde_json::Value;

use crate::store::document::{now_ms, Document, RawPaths, Status};

pub(super) use crate::store::document::{path_columns, COLUMNS};

fn path_col(row: &Row, i: usize) -> Result<Option<std::path::PathBuf>> {
    let b: Option<Vec<u8>> = row.try_get(i)?;
    Ok(b.map(|b| crate::os_path::from_bytes(&b)))
}

pub(super) fn json_col(row: &Row, i: usize) -> Result<Option<Value>> {
    Ok(crate::store::document::json_column(row.try_get(i)?))
}

pub(super) fn from_row(row: &Row) -> Result<Document> {
    let status: String = row.try_get(6)?;
    Ok(Document {
        id: row.try_get(0)?,
        original_path: row.try_get(1)?,
        file_name: row.try_get(2)?,
        sha256: row.try_get(3)?,
        size_bytes: row.try_get(4)?,
        source: row.try_get(5)?,
        status: Status::parse(&status).unwrap_or(Status::Failed),
        attempts: row.try_get(7)?,
        created_at: row.try_get(8)?,
        updated_at: row.try_get(9)?,
        started_at: row.try_get(10)?,
        finished_at: row.try_get(11)?,
        business: json_col(row, 12)?,
        extracted: json_col(row, 13)?,
        stage1: json_col(row, 14)?,
        stage2: json_col(row, 15)?,
        result: json_col(row, 16)?,
        warnings: json_col(row, 17)?,
        metrics: json_col(row, 18)?,
        model: row.try_get(19)?,
        error: row.try_get(20)?,
        duplicate_of: row.try_get(21)?,
        moved_to: row.try_get(22)?,
        move_pending: row.try_get(23)?,
        interruptions: row.try_get(24)?,
        approved_at: row.try_get(25)?,
        approval: json_col(row, 26)?,
        raw: RawPaths {
            original: path_col(row, 27)?,
            moved_to: path_col(row, 28)?,
            move_pending: path_col(row, 29)?,
        },
        move_error: row.try_get(30)?,
    })
}

/// SQL condition that `job` still holds its document (parameters `$1` id, `$2` owner, `$3` token).
pub(super) const FENCE: &str = "id = $1 AND lease_owner = $2 AND attempts = $3 \
    AND status IN ('extracting', 'classifying', 'mapping')";

pub(super) fn event(
    c: &mut impl GenericClient,
    id: i64,
    event: &str,
    worker: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    c.execute(
        "INSERT INTO events (document_id, event, at_ms, worker, detail) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &event, &now_ms(), &worker, &detail],
    )?;
    Ok(())
}
