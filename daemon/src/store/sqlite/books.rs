//! [`Books`] on SQLite: `book_entries`, `exchange_rates`, `vendor_memory` and the approval
//! columns of `documents` (migration 0005); the transaction history in [`super::history`].

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::history;
use super::SqliteStore;
use crate::store::books::{BookEntry, BookList, Books, ImportCounts, Memory, Posted, Rate};
use crate::store::now;

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<BookEntry> {
    let list: String = row.get(0)?;
    let detail: String = row.get(7)?;
    Ok(BookEntry {
        list: BookList::parse(&list).unwrap_or(BookList::Accounts),
        id: row.get(1)?,
        name: row.get(2)?,
        kind: row.get(3)?,
        number: row.get(4)?,
        currency: row.get(5)?,
        active: row.get::<_, i64>(6)? != 0,
        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
    })
}

fn upsert(c: &Connection, business: &str, e: &BookEntry, source: &str) -> Result<bool> {
    let key = e.key();
    let existed: bool = c
        .query_row(
            "SELECT 1 FROM book_entries WHERE business = ?1 AND list = ?2 AND key = ?3",
            params![business, e.list.as_str(), key],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    c.execute(
        "INSERT INTO book_entries (business, list, key, ext_id, name, kind, number, currency, active,
             detail_json, source, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (business, list, key) DO UPDATE SET ext_id = excluded.ext_id,
             name = excluded.name, kind = excluded.kind, number = excluded.number,
             currency = excluded.currency, active = excluded.active,
             detail_json = excluded.detail_json, source = excluded.source,
             imported_at = excluded.imported_at",
        params![
            business,
            e.list.as_str(),
            key,
            e.id,
            e.name,
            e.kind,
            e.number,
            e.currency,
            e.active as i64,
            e.detail.to_string(),
            source,
            now()
        ],
    )?;
    Ok(existed)
}

impl Books for SqliteStore {
    fn import_books(
        &self,
        business: &str,
        entries: &[BookEntry],
        source: &str,
    ) -> Result<ImportCounts> {
        let mut c = self.lock();
        let tx = c.transaction()?;
        let mut n = ImportCounts::default();
        for e in entries {
            if upsert(&tx, business, e, source)? {
                n.updated += 1;
            } else {
                n.added += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    fn book_entries(&self, business: &str, list: Option<BookList>) -> Result<Vec<BookEntry>> {
        let c = self.lock();
        let mut st = c.prepare(
            "SELECT list, ext_id, name, kind, number, currency, active, detail_json
             FROM book_entries WHERE business = ?1 AND (?2 IS NULL OR list = ?2)
             ORDER BY list, name COLLATE NOCASE",
        )?;
        let rows = st
            .query_map(params![business, list.map(|l| l.as_str())], entry)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn clear_books(&self, business: &str, list: Option<BookList>) -> Result<usize> {
        Ok(self.lock().execute(
            "DELETE FROM book_entries WHERE business = ?1 AND (?2 IS NULL OR list = ?2)",
            params![business, list.map(|l| l.as_str())],
        )?)
    }

    fn book_counts(&self) -> Result<Vec<(String, String, i64)>> {
        let c = self.lock();
        let mut st = c.prepare(
            "SELECT business, list, COUNT(*) FROM book_entries GROUP BY business, list
             UNION ALL
             SELECT business, 'history', COUNT(*) FROM book_history GROUP BY business
             ORDER BY 1, 2",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn import_history(
        &self,
        business: &str,
        lines: &[Posted],
        source: &str,
    ) -> Result<ImportCounts> {
        history::import(&mut self.lock(), business, lines, source)
    }

    fn history_counterparties(&self, business: &str) -> Result<Vec<(String, String)>> {
        history::counterparties(&self.lock(), business)
    }

    fn history_of(&self, business: &str, counterparty: &str) -> Result<Vec<Posted>> {
        history::of(&self.lock(), business, counterparty)
    }

    fn record_approved(&self, business: &str, document: i64, lines: &[Posted]) -> Result<()> {
        history::record_approved(&mut self.lock(), business, document, lines)
    }

    fn clear_history(&self, business: &str) -> Result<usize> {
        history::clear(&self.lock(), business)
    }

    fn import_rates(&self, rates: &[Rate], source: &str) -> Result<usize> {
        let mut c = self.lock();
        let tx = c.transaction()?;
        for r in rates {
            tx.execute(
                "INSERT OR REPLACE INTO exchange_rates (base, currency, day, rate, source)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.base, r.currency, r.day, r.rate.to_string(), source],
            )?;
        }
        tx.commit()?;
        Ok(rates.len())
    }

    fn rates_between(&self, currencies: &[&str], from: &str, to: &str) -> Result<Vec<Rate>> {
        let c = self.lock();
        let mut st = c.prepare(
            "SELECT base, currency, day, rate FROM exchange_rates
             WHERE (currency = ?1 OR base = ?1) AND day >= ?2 AND day <= ?3 ORDER BY day DESC",
        )?;
        let mut out = Vec::new();
        for cur in currencies {
            let rows = st.query_map(params![cur, from, to], |r| {
                let rate: String = r.get(3)?;
                Ok(Rate {
                    base: r.get(0)?,
                    currency: r.get(1)?,
                    day: r.get(2)?,
                    rate: rate.parse().unwrap_or_default(),
                })
            })?;
            for r in rows {
                let r = r?;
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out.sort_by(|a, b| b.day.cmp(&a.day));
        Ok(out)
    }

    fn remember(
        &self,
        business: &str,
        counterparty: &str,
        name: &str,
        decision: &Value,
    ) -> Result<i64> {
        let c = self.lock();
        c.execute(
            "INSERT INTO vendor_memory (business, counterparty, name, decision_json, approvals,
                 updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5)
             ON CONFLICT (business, counterparty) DO UPDATE SET name = excluded.name,
                 decision_json = excluded.decision_json, approvals = approvals + 1,
                 updated_at = excluded.updated_at",
            params![business, counterparty, name, decision.to_string(), now()],
        )?;
        Ok(c.query_row(
            "SELECT approvals FROM vendor_memory WHERE business = ?1 AND counterparty = ?2",
            params![business, counterparty],
            |r| r.get(0),
        )?)
    }

    fn recall(&self, business: &str, counterparty: &str) -> Result<Option<Memory>> {
        let row = self
            .lock()
            .query_row(
                "SELECT name, decision_json, approvals FROM vendor_memory
                 WHERE business = ?1 AND counterparty = ?2",
                params![business, counterparty],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(name, d, approvals)| Memory {
            name,
            decision: serde_json::from_str(&d).unwrap_or(Value::Null),
            approvals,
        }))
    }

    fn approve(&self, id: i64, approval: &Value) -> Result<bool> {
        let n = self.lock().execute(
            "UPDATE documents SET approved_at = ?2, approval_json = ?3, updated_at = ?2,
                 status = CASE WHEN status IN ('classified', 'preview_required', 'approved', 'rejected')
                               THEN 'approved' ELSE status END
             WHERE id = ?1",
            params![id, now(), approval.to_string()],
        )?;
        Ok(n == 1)
    }

    fn reject(&self, id: i64, record: &Value) -> Result<bool> {
        let n = self.lock().execute(
            "UPDATE documents SET approved_at = NULL, approval_json = ?2, updated_at = ?3,
                 status = 'rejected'
             WHERE id = ?1 AND status IN ('classified', 'preview_required', 'approved', 'rejected')",
            params![id, record.to_string(), now()],
        )?;
        Ok(n == 1)
    }
}
