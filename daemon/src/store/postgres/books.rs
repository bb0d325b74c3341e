//! [`Books`] on PostgreSQL: `book_entries`, `exchange_rates`, `vendor_memory` and the approval
//! columns of `documents`; the transaction history in [`super::history`].
//!
//! Text is sorted with `COLLATE "C"` (byte order), as SQLite's BINARY collation sorts, whatever
//! the database's default collation.

use anyhow::Result;
use postgres::{GenericClient, Row};
use serde_json::Value;

use super::history;
use super::PgStore;
use crate::store::books::{BookEntry, BookList, Books, ImportCounts, Memory, Posted, Rate};
use crate::store::now;

fn entry(row: &Row) -> Result<BookEntry> {
    let list: String = row.try_get(0)?;
    let detail: String = row.try_get(7)?;
    Ok(BookEntry {
        list: BookList::parse(&list).unwrap_or(BookList::Accounts),
        id: row.try_get(1)?,
        name: row.try_get(2)?,
        kind: row.try_get(3)?,
        number: row.try_get(4)?,
        currency: row.try_get(5)?,
        active: row.try_get::<_, i64>(6)? != 0,
        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
    })
}

fn upsert(c: &mut impl GenericClient, business: &str, e: &BookEntry, source: &str) -> Result<bool> {
    let key = e.key();
    let existed = c
        .query_opt(
            "SELECT 1 FROM book_entries WHERE business = $1 AND list = $2 AND key = $3",
            &[&business, &e.list.as_str(), &key],
        )?
        .is_some();
    c.execute(
        "INSERT INTO book_entries (business, list, key, ext_id, name, kind, number, currency, active,
             detail_json, source, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (business, list, key) DO UPDATE SET ext_id = excluded.ext_id,
             name = excluded.name, kind = excluded.kind, number = excluded.number,
             currency = excluded.currency, active = excluded.active,
             detail_json = excluded.detail_json, source = excluded.source,
             imported_at = excluded.imported_at",
        &[
            &business,
            &e.list.as_str(),
            &key,
            &e.id,
            &e.name,
            &e.kind,
            &e.number,
            &e.currency,
            &(e.active as i64),
            &e.detail.to_string(),
            &source,
            &now(),
        ],
    )?;
    Ok(existed)
}

fn rate(r: &Row) -> Result<Rate> {
    let rate: String = r.try_get(3)?;
    Ok(Rate {
        base: r.try_get(0)?,
        currency: r.try_get(1)?,
        day: r.try_get(2)?,
        rate: rate.parse().unwrap_or_default(),
    })
}

impl Books for PgStore {
    fn import_books(
        &self,
        business: &str,
        entries: &[BookEntry],
        source: &str,
    ) -> Result<ImportCounts> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            let mut n = ImportCounts::default();
            for e in entries {
                if upsert(&mut tx, business, e, source)? {
                    n.updated += 1;
                } else {
                    n.added += 1;
                }
            }
            tx.commit()?;
            Ok(n)
        })
    }

    fn book_entries(&self, business: &str, list: Option<BookList>) -> Result<Vec<BookEntry>> {
        self.run(|c| {
            // LOWER under "C" folds ASCII letters only and compares bytes: SQLite's NOCASE.
            c.query(
                "SELECT list, ext_id, name, kind, number, currency, active, detail_json
                 FROM book_entries WHERE business = $1 AND ($2::TEXT IS NULL OR list = $2)
                 ORDER BY list COLLATE \"C\", LOWER(name COLLATE \"C\")",
                &[&business, &list.map(|l| l.as_str())],
            )?
            .iter()
            .map(entry)
            .collect()
        })
    }

    fn clear_books(&self, business: &str, list: Option<BookList>) -> Result<usize> {
        self.run(|c| {
            Ok(c.execute(
                "DELETE FROM book_entries WHERE business = $1 AND ($2::TEXT IS NULL OR list = $2)",
                &[&business, &list.map(|l| l.as_str())],
            )? as usize)
        })
    }

    fn book_counts(&self) -> Result<Vec<(String, String, i64)>> {
        self.run(|c| {
            let rows = c.query(
                "SELECT business, list, n FROM (
                     SELECT business, list, COUNT(*) AS n FROM book_entries GROUP BY business, list
                     UNION ALL
                     SELECT business, 'history', COUNT(*) FROM book_history GROUP BY business
                 ) t
                 ORDER BY business COLLATE \"C\", list COLLATE \"C\"",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect())
        })
    }

    fn import_history(
        &self,
        business: &str,
        lines: &[Posted],
        source: &str,
    ) -> Result<ImportCounts> {
        self.run(|c| history::import(c, business, lines, source))
    }

    fn history_counterparties(&self, business: &str) -> Result<Vec<(String, String)>> {
        self.run(|c| history::counterparties(c, business))
    }

    fn history_of(&self, business: &str, counterparty: &str) -> Result<Vec<Posted>> {
        self.run(|c| history::of(c, business, counterparty))
    }

    fn record_approved(&self, business: &str, document: i64, lines: &[Posted]) -> Result<()> {
        self.run(|c| history::record_approved(c, business, document, lines))
    }

    fn clear_history(&self, business: &str) -> Result<usize> {
        self.run(|c| history::clear(c, business))
    }

    fn import_rates(&self, rates: &[Rate], source: &str) -> Result<usize> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            for r in rates {
                // ON CONFLICT DO UPDATE of every column: SQLite's INSERT OR REPLACE.
                tx.execute(
                    "INSERT INTO exchange_rates (base, currency, day, rate, source)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (base, currency, day) DO UPDATE SET rate = excluded.rate,
                         source = excluded.source",
                    &[&r.base, &r.currency, &r.day, &r.rate.to_string(), &source],
                )?;
            }
            tx.commit()?;
            Ok(rates.len())
        })
    }

    fn rates_between(&self, currencies: &[&str], from: &str, to: &str) -> Result<Vec<Rate>> {
        self.run(|c| {
            let st = c.prepare(
                "SELECT base, currency, day, rate FROM exchange_rates
                 WHERE (currency = $1 OR base = $1) AND day >= $2 AND day <= $3
                 ORDER BY day COLLATE \"C\" DESC",
            )?;
            let mut out = Vec::new();
            for cur in currencies {
                for row in c.query(&st, &[cur, &from, &to])? {
                    let r = rate(&row)?;
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
            out.sort_by(|a, b| b.day.cmp(&a.day));
            Ok(out)
        })
    }

    fn remember(
        &self,
        business: &str,
        counterparty: &str,
        name: &str,
        decision: &Value,
    ) -> Result<i64> {
        self.run(|c| {
            // RETURNING: the count this statement wrote (SQLite reads it back after).
            Ok(c.query_one(
                "INSERT INTO vendor_memory (business, counterparty, name, decision_json, approvals,
                     updated_at) VALUES ($1, $2, $3, $4, 1, $5)
                 ON CONFLICT (business, counterparty) DO UPDATE SET name = excluded.name,
                     decision_json = excluded.decision_json,
                     approvals = vendor_memory.approvals + 1,
                     updated_at = excluded.updated_at
                 RETURNING approvals",
                &[
                    &business,
                    &counterparty,
                    &name,
                    &decision.to_string(),
                    &now(),
                ],
            )?
            .try_get(0)?)
        })
    }

    fn recall(&self, business: &str, counterparty: &str) -> Result<Option<Memory>> {
        self.run(|c| {
            let Some(r) = c.query_opt(
                "SELECT name, decision_json, approvals FROM vendor_memory
                 WHERE business = $1 AND counterparty = $2",
                &[&business, &counterparty],
            )?
            else {
                return Ok(None);
            };
            let d: String = r.try_get(1)?;
            Ok(Some(Memory {
                name: r.try_get(0)?,
                decision: serde_json::from_str(&d).unwrap_or(Value::Null),
                approvals: r.try_get(2)?,
            }))
        })
    }

    fn approve(&self, id: i64, approval: &Value) -> Result<bool> {
        self.run(|c| {
            let n = c.execute(
                "UPDATE documents SET approved_at = $2, approval_json = $3, updated_at = $2,
                     status = CASE WHEN status IN ('classified', 'preview_required', 'approved',
                                                   'rejected')
                                   THEN 'approved' ELSE status END
                 WHERE id = $1",
                &[&id, &now(), &approval.to_string()],
            )?;
            Ok(n == 1)
        })
    }

    fn reject(&self, id: i64, record: &Value) -> Result<bool> {
        self.run(|c| {
            let n = c.execute(
                "UPDATE documents SET approved_at = NULL, approval_json = $2, updated_at = $3,
                     status = 'rejected'
                 WHERE id = $1
                   AND status IN ('classified', 'preview_required', 'approved', 'rejected')",
                &[&id, &record.to_string(), &now()],
            )?;
            Ok(n == 1)
        })
    }
}
