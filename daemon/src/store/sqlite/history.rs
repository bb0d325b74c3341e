//! The transaction history on SQLite: `book_history` (migration 0010). [`super::books`] answers
//! the [`Books`](crate::store::books::Books) operations with these.

use anyhow::Result;
use rusqlite::{params, Connection};

use crate::store::books::{ImportCounts, Posted};
use crate::store::now;

fn insert(c: &Connection, business: &str, p: &Posted, source: &str) -> Result<bool> {
    let n = c.execute(
        "INSERT OR IGNORE INTO book_history (business, key, counterparty, kind, day, number,
             account, amount, currency, memo, class, tax_code, source, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            business,
            p.key,
            p.counterparty,
            p.kind,
            p.day,
            p.number,
            p.account,
            p.amount.map(|a| a.to_string()),
            p.currency,
            p.memo,
            p.class,
            p.tax_code,
            source,
            now()
        ],
    )?;
    Ok(n == 1)
}

/// Add the lines not stored yet, in one transaction.
pub(super) fn import(
    c: &mut Connection,
    business: &str,
    lines: &[Posted],
    source: &str,
) -> Result<ImportCounts> {
    let tx = c.transaction()?;
    let mut n = ImportCounts::default();
    for p in lines {
        if insert(&tx, business, p, source)? {
            n.added += 1;
        } else {
            n.updated += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// The counterparties of the history with their transaction types, each pair once.
pub(super) fn counterparties(c: &Connection, business: &str) -> Result<Vec<(String, String)>> {
    let mut st = c.prepare(
        "SELECT DISTINCT counterparty, kind FROM book_history WHERE business = ?1
         ORDER BY counterparty, kind",
    )?;
    let rows = st
        .query_map(params![business], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    Ok(rows)
}

fn posted(r: &rusqlite::Row<'_>) -> rusqlite::Result<Posted> {
    let amount: Option<String> = r.get(7)?;
    Ok(Posted {
        key: r.get(0)?,
        counterparty: r.get(1)?,
        kind: r.get(2)?,
        day: r.get(3)?,
        number: r.get(4)?,
        account: r.get(5)?,
        memo: r.get(6)?,
        amount: amount.and_then(|a| a.parse().ok()),
        currency: r.get(8)?,
        class: r.get(9)?,
        tax_code: r.get(10)?,
    })
}

/// The lines of one counterparty, newest first.
pub(super) fn of(c: &Connection, business: &str, counterparty: &str) -> Result<Vec<Posted>> {
    let mut st = c.prepare(
        "SELECT key, counterparty, kind, day, number, account, memo, amount, currency, class,
             tax_code
         FROM book_history WHERE business = ?1 AND counterparty = ?2
         ORDER BY day DESC, key",
    )?;
    let rows = st
        .query_map(params![business, counterparty], posted)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Replace an approved document's lines.
pub(super) fn record_approved(
    c: &mut Connection,
    business: &str,
    document: i64,
    lines: &[Posted],
) -> Result<()> {
    let tx = c.transaction()?;
    tx.execute(
        "DELETE FROM book_history WHERE business = ?1 AND key LIKE ?2",
        params![business, format!("approval:{document}:%")],
    )?;
    for p in lines {
        tx.execute(
            "INSERT OR REPLACE INTO book_history (business, key, counterparty, kind, day, number,
                 account, amount, currency, memo, class, tax_code, source, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'approval', ?13)",
            params![
                business,
                p.key,
                p.counterparty,
                p.kind,
                p.day,
                p.number,
                p.account,
                p.amount.map(|a| a.to_string()),
                p.currency,
                p.memo,
                p.class,
                p.tax_code,
                now()
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Delete a business's history.
pub(super) fn clear(c: &Connection, business: &str) -> Result<usize> {
    Ok(c.execute(
        "DELETE FROM book_history WHERE business = ?1",
        params![business],
    )?)
}
