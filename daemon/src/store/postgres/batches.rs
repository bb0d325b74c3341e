//! [`Batches`] on PostgreSQL: `api_files`, `batches`, `batch_lines`.
//!
//! Ids are sorted and compared with `COLLATE "C"` (byte order), as SQLite's BINARY collation
//! does. Where SQLite serialises every write transaction, the transactions that read a batch's
//! status and then change the batch lock its row first (`FOR UPDATE`), so a line finished on one
//! daemon and a cancel on another cannot interleave.

use anyhow::{bail, Result};
use postgres::{GenericClient, Row};
use serde_json::Value;

use super::rows::json_col;
use super::PgStore;
use crate::store::batches::{ApiFile, Batch, BatchLine, Batches, BATCH_COLUMNS, FILE_COLUMNS};

fn secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn file(r: &Row) -> Result<ApiFile> {
    Ok(ApiFile {
        id: r.try_get(0)?,
        filename: r.try_get(1)?,
        purpose: r.try_get(2)?,
        bytes: r.try_get(3)?,
        created_at: r.try_get(4)?,
    })
}

fn batch(r: &Row) -> Result<Batch> {
    Ok(Batch {
        id: r.try_get(0)?,
        endpoint: r.try_get(1)?,
        input_file_id: r.try_get(2)?,
        completion_window: r.try_get(3)?,
        status: r.try_get(4)?,
        metadata: json_col(r, 5)?,
        errors: json_col(r, 6)?,
        total: r.try_get(7)?,
        completed: r.try_get(8)?,
        failed: r.try_get(9)?,
        output_file_id: r.try_get(10)?,
        error_file_id: r.try_get(11)?,
        created_at: r.try_get(12)?,
        in_progress_at: r.try_get(13)?,
        finalizing_at: r.try_get(14)?,
        completed_at: r.try_get(15)?,
        failed_at: r.try_get(16)?,
        cancelled_at: r.try_get(17)?,
        expires_at: r.try_get(18)?,
    })
}

fn get_batch(c: &mut impl GenericClient, id: &str) -> Result<Option<Batch>> {
    c.query_opt(
        &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(batch)
    .transpose()
}

/// Lock batch `id`'s row until the transaction ends (SQLite's write lock, for one batch).
fn lock_batch(c: &mut impl GenericClient, id: &str) -> Result<()> {
    c.query_opt("SELECT 1 FROM batches WHERE id = $1 FOR UPDATE", &[&id])?;
    Ok(())
}

fn insert_file(c: &mut impl GenericClient, f: &ApiFile, content: &[u8]) -> Result<()> {
    c.execute(
        "INSERT INTO api_files (id, filename, purpose, bytes, created_at, content)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &f.id,
            &f.filename,
            &f.purpose,
            &f.bytes,
            &f.created_at,
            &content,
        ],
    )?;
    Ok(())
}

/// Write the output lines of `batch_id` with `ok` as a JSONL file (line order); its id, or
/// `None` when there are none.
fn write_results(c: &mut impl GenericClient, batch_id: &str, ok: bool) -> Result<Option<String>> {
    let lines = c
        .query(
            "SELECT output_json FROM batch_lines WHERE batch_id = $1 AND ok = $2 ORDER BY line",
            &[&batch_id, &(ok as i64)],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<Vec<String>, _>>()?;
    if lines.is_empty() {
        return Ok(None);
    }
    let content = lines.join("\n") + "\n";
    let id = crate::store::batches::new_id("file-");
    let name = if ok { "output" } else { "errors" };
    insert_file(
        c,
        &ApiFile {
            id: id.clone(),
            filename: format!("{batch_id}_{name}.jsonl"),
            purpose: "batch_output".into(),
            bytes: content.len() as i64,
            created_at: secs(),
        },
        content.as_bytes(),
    )?;
    Ok(Some(id))
}

/// Write the output and error files of `batch_id` and set its final `status`.
fn finalize(c: &mut impl GenericClient, batch_id: &str, status: &str) -> Result<()> {
    let out = write_results(c, batch_id, true)?;
    let err = write_results(c, batch_id, false)?;
    let at = secs();
    let column = if status == "cancelled" {
        "cancelled_at"
    } else {
        "completed_at"
    };
    c.execute(
        &format!(
            "UPDATE batches SET status = $2, output_file_id = $3, error_file_id = $4,
                 finalizing_at = $5, {column} = $5 WHERE id = $1"
        ),
        &[&batch_id, &status, &out, &err, &at],
    )?;
    Ok(())
}

fn insert_batch(c: &mut impl GenericClient, b: &Batch) -> Result<()> {
    c.execute(
        &format!(
            "INSERT INTO batches ({BATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ),
        &[
            &b.id,
            &b.endpoint,
            &b.input_file_id,
            &b.completion_window,
            &b.status,
            &b.metadata.as_ref().map(Value::to_string),
            &b.errors.as_ref().map(Value::to_string),
            &b.total,
            &b.completed,
            &b.failed,
            &b.output_file_id,
            &b.error_file_id,
            &b.created_at,
            &b.in_progress_at,
            &b.finalizing_at,
            &b.completed_at,
            &b.failed_at,
            &b.cancelled_at,
            &b.expires_at,
        ],
    )?;
    Ok(())
}

impl Batches for PgStore {
    fn add_file(&self, f: &ApiFile, content: &[u8]) -> Result<()> {
        self.run(|c| insert_file(c, f, content))
    }

    fn api_file(&self, id: &str) -> Result<Option<ApiFile>> {
        self.run(|c| {
            c.query_opt(
                &format!("SELECT {FILE_COLUMNS} FROM api_files WHERE id = $1"),
                &[&id],
            )?
            .as_ref()
            .map(file)
            .transpose()
        })
    }

    fn api_file_content(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.run(|c| {
            Ok(
                c.query_opt("SELECT content FROM api_files WHERE id = $1", &[&id])?
                    .map(|r| r.try_get(0))
                    .transpose()?,
            )
        })
    }

    fn api_files(&self) -> Result<Vec<ApiFile>> {
        self.run(|c| {
            c.query(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM api_files ORDER BY created_at DESC, id COLLATE \"C\""
                ),
                &[],
            )?
            .iter()
            .map(file)
            .collect()
        })
    }

    fn delete_api_file(&self, id: &str) -> Result<bool> {
        self.run(|c| {
            // LIMIT 1: SQLite's query_row takes the first row where several batches match.
            let used: Option<String> = c
                .query_opt(
                    "SELECT id FROM batches
                     WHERE $1 IN (input_file_id, output_file_id, error_file_id) LIMIT 1",
                    &[&id],
                )?
                .map(|r| r.try_get(0))
                .transpose()?;
            if let Some(b) = used {
                bail!("file {id} belongs to batch {b}");
            }
            Ok(c.execute("DELETE FROM api_files WHERE id = $1", &[&id])? == 1)
        })
    }

    fn create_batch(&self, b: &Batch, lines: &[BatchLine]) -> Result<()> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            insert_batch(&mut tx, b)?;
            for l in lines {
                tx.execute(
                    "INSERT INTO batch_lines (batch_id, line, custom_id, request_json)
                     VALUES ($1, $2, $3, $4)",
                    &[&l.batch_id, &l.line, &l.custom_id, &l.request.to_string()],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn batch(&self, id: &str) -> Result<Option<Batch>> {
        self.run(|c| get_batch(c, id))
    }

    fn batches(&self, limit: usize, after: Option<&str>) -> Result<Vec<Batch>> {
        self.run(|c| {
            let before = match after {
                Some(a) => get_batch(c, a)?.map(|b| (b.created_at, b.id)),
                None => None,
            };
            let (t, id) = before.unwrap_or((i64::MAX, String::new()));
            c.query(
                &format!(
                    "SELECT {BATCH_COLUMNS} FROM batches
                     WHERE created_at < $1 OR (created_at = $1 AND id COLLATE \"C\" > $2)
                     ORDER BY created_at DESC, id COLLATE \"C\" LIMIT $3"
                ),
                &[&t, &id, &(limit as i64)],
            )?
            .iter()
            .map(batch)
            .collect()
        })
    }

    fn next_batch_line(&self) -> Result<Option<BatchLine>> {
        self.run(|c| {
            let Some(r) = c.query_opt(
                "SELECT l.batch_id, l.line, l.custom_id, l.request_json
                 FROM batch_lines l JOIN batches b ON b.id = l.batch_id
                 WHERE b.status = 'in_progress' AND l.output_json IS NULL
                 ORDER BY b.created_at, b.id COLLATE \"C\", l.line LIMIT 1",
                &[],
            )?
            else {
                return Ok(None);
            };
            let req: String = r.try_get(3)?;
            Ok(Some(BatchLine {
                batch_id: r.try_get(0)?,
                line: r.try_get(1)?,
                custom_id: r.try_get(2)?,
                request: serde_json::from_str(&req).unwrap_or(Value::Null),
            }))
        })
    }

    fn finish_batch_line(&self, batch_id: &str, line: i64, ok: bool, output: &Value) -> Result<()> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            lock_batch(&mut tx, batch_id)?;
            let stored = tx.execute(
                "UPDATE batch_lines SET output_json = $3, ok = $4
                 WHERE batch_id = $1 AND line = $2 AND output_json IS NULL
                   AND (SELECT status FROM batches WHERE id = $1) = 'in_progress'",
                &[&batch_id, &line, &output.to_string(), &(ok as i64)],
            )?;
            if stored == 1 {
                let column = if ok { "completed" } else { "failed" };
                tx.execute(
                    &format!("UPDATE batches SET {column} = {column} + 1 WHERE id = $1"),
                    &[&batch_id],
                )?;
                let left: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM batch_lines
                         WHERE batch_id = $1 AND output_json IS NULL",
                        &[&batch_id],
                    )?
                    .try_get(0)?;
                if left == 0 {
                    finalize(&mut tx, batch_id, "completed")?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn cancel_batch(&self, id: &str) -> Result<Option<Batch>> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            lock_batch(&mut tx, id)?;
            let Some(b) = get_batch(&mut tx, id)? else {
                return Ok(None);
            };
            if matches!(b.status.as_str(), "in_progress" | "validating") {
                finalize(&mut tx, id, "cancelled")?;
            }
            let b = get_batch(&mut tx, id)?;
            tx.commit()?;
            Ok(b)
        })
    }
}
