//! [`Batches`] on SQLite: `api_files`, `batches`, `batch_lines` (migration 0006).

use anyhow::{bail, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use super::rows::json_col;
use super::SqliteStore;
use crate::store::batches::{ApiFile, Batch, BatchLine, Batches, BATCH_COLUMNS, FILE_COLUMNS};

fn secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn file(r: &Row<'_>) -> rusqlite::Result<ApiFile> {
    Ok(ApiFile {
        id: r.get(0)?,
        filename: r.get(1)?,
        purpose: r.get(2)?,
        bytes: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn batch(r: &Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        endpoint: r.get(1)?,
        input_file_id: r.get(2)?,
        completion_window: r.get(3)?,
        status: r.get(4)?,
        metadata: json_col(r, 5)?,
        errors: json_col(r, 6)?,
        total: r.get(7)?,
        completed: r.get(8)?,
        failed: r.get(9)?,
        output_file_id: r.get(10)?,
        error_file_id: r.get(11)?,
        created_at: r.get(12)?,
        in_progress_at: r.get(13)?,
        finalizing_at: r.get(14)?,
        completed_at: r.get(15)?,
        failed_at: r.get(16)?,
        cancelled_at: r.get(17)?,
        expires_at: r.get(18)?,
    })
}

fn get_batch(c: &Connection, id: &str) -> Result<Option<Batch>> {
    Ok(c.query_row(
        &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"),
        [id],
        batch,
    )
    .optional()?)
}

fn insert_file(c: &Connection, f: &ApiFile, content: &[u8]) -> Result<()> {
    c.execute(
        "INSERT INTO api_files (id, filename, purpose, bytes, created_at, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![f.id, f.filename, f.purpose, f.bytes, f.created_at, content],
    )?;
    Ok(())
}

/// Write the output lines of `batch_id` with `ok` as a JSONL file (line order); its id, or
/// `None` when there are none.
fn write_results(c: &Connection, batch_id: &str, ok: bool) -> Result<Option<String>> {
    let mut st = c.prepare(
        "SELECT output_json FROM batch_lines WHERE batch_id = ?1 AND ok = ?2 ORDER BY line",
    )?;
    let lines: Vec<String> = st
        .query_map(params![batch_id, ok as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
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
fn finalize(c: &Connection, batch_id: &str, status: &str) -> Result<()> {
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
            "UPDATE batches SET status = ?2, output_file_id = ?3, error_file_id = ?4,
                 finalizing_at = ?5, {column} = ?5 WHERE id = ?1"
        ),
        params![batch_id, status, out, err, at],
    )?;
    Ok(())
}

impl Batches for SqliteStore {
    fn add_file(&self, f: &ApiFile, content: &[u8]) -> Result<()> {
        insert_file(&self.lock(), f, content)
    }

    fn api_file(&self, id: &str) -> Result<Option<ApiFile>> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {FILE_COLUMNS} FROM api_files WHERE id = ?1"),
                [id],
                file,
            )
            .optional()?)
    }

    fn api_file_content(&self, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .lock()
            .query_row("SELECT content FROM api_files WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn api_files(&self) -> Result<Vec<ApiFile>> {
        let c = self.lock();
        let mut st = c.prepare(&format!(
            "SELECT {FILE_COLUMNS} FROM api_files ORDER BY created_at DESC, id"
        ))?;
        let out = st.query_map([], file)?.collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }

    fn delete_api_file(&self, id: &str) -> Result<bool> {
        let c = self.lock();
        let used: Option<String> = c
            .query_row(
                "SELECT id FROM batches WHERE ?1 IN (input_file_id, output_file_id, error_file_id)",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(b) = used {
            bail!("file {id} belongs to batch {b}");
        }
        Ok(c.execute("DELETE FROM api_files WHERE id = ?1", [id])? == 1)
    }

    fn create_batch(&self, b: &Batch, lines: &[BatchLine]) -> Result<()> {
        let mut c = self.lock();
        let tx = c.transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO batches ({BATCH_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                 ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
            ),
            params![
                b.id,
                b.endpoint,
                b.input_file_id,
                b.completion_window,
                b.status,
                b.metadata.as_ref().map(Value::to_string),
                b.errors.as_ref().map(Value::to_string),
                b.total,
                b.completed,
                b.failed,
                b.output_file_id,
                b.error_file_id,
                b.created_at,
                b.in_progress_at,
                b.finalizing_at,
                b.completed_at,
                b.failed_at,
                b.cancelled_at,
                b.expires_at
            ],
        )?;
        for l in lines {
            tx.execute(
                "INSERT INTO batch_lines (batch_id, line, custom_id, request_json)
                 VALUES (?1, ?2, ?3, ?4)",
                params![l.batch_id, l.line, l.custom_id, l.request.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn batch(&self, id: &str) -> Result<Option<Batch>> {
        get_batch(&self.lock(), id)
    }

    fn batches(&self, limit: usize, after: Option<&str>) -> Result<Vec<Batch>> {
        let c = self.lock();
        let before = match after {
            Some(a) => get_batch(&c, a)?.map(|b| (b.created_at, b.id)),
            None => None,
        };
        let (t, id) = before.unwrap_or((i64::MAX, String::new()));
        let mut st = c.prepare(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches
             WHERE created_at < ?1 OR (created_at = ?1 AND id > ?2)
             ORDER BY created_at DESC, id LIMIT ?3"
        ))?;
        let out = st
            .query_map(params![t, id, limit as i64], batch)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }

    fn next_batch_line(&self) -> Result<Option<BatchLine>> {
        let c = self.lock();
        let row = c
            .query_row(
                "SELECT l.batch_id, l.line, l.custom_id, l.request_json
                 FROM batch_lines l JOIN batches b ON b.id = l.batch_id
                 WHERE b.status = 'in_progress' AND l.output_json IS NULL
                 ORDER BY b.created_at, b.id, l.line LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(batch_id, line, custom_id, req)| BatchLine {
            batch_id,
            line,
            custom_id,
            request: serde_json::from_str(&req).unwrap_or(Value::Null),
        }))
    }

    fn finish_batch_line(&self, batch_id: &str, line: i64, ok: bool, output: &Value) -> Result<()> {
        let mut c = self.lock();
        let tx = c.transaction()?;
        let stored = tx.execute(
            "UPDATE batch_lines SET output_json = ?3, ok = ?4
             WHERE batch_id = ?1 AND line = ?2 AND output_json IS NULL
               AND (SELECT status FROM batches WHERE id = ?1) = 'in_progress'",
            params![batch_id, line, output.to_string(), ok as i64],
        )?;
        if stored == 1 {
            let column = if ok { "completed" } else { "failed" };
            tx.execute(
                &format!("UPDATE batches SET {column} = {column} + 1 WHERE id = ?1"),
                [batch_id],
            )?;
            let left: i64 = tx.query_row(
                "SELECT count(*) FROM batch_lines WHERE batch_id = ?1 AND output_json IS NULL",
                [batch_id],
                |r| r.get(0),
            )?;
            if left == 0 {
                finalize(&tx, batch_id, "completed")?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn cancel_batch(&self, id: &str) -> Result<Option<Batch>> {
        let mut c = self.lock();
        let tx = c.transaction()?;
        let Some(b) = get_batch(&tx, id)? else {
            return Ok(None);
        };
        if matches!(b.status.as_str(), "in_progress" | "validating") {
            finalize(&tx, id, "cancelled")?;
        }
        let b = get_batch(&tx, id)?;
        tx.commit()?;
        Ok(b)
    }
}
