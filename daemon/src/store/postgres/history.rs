//! The transaction history on PostgreSQL: `book_history`. [`super::books`] answers the
//! [`Books`](crate::store::books::Books) operations with these.

use anyhow::Result;
use postgres::{GenericClient, Row};

use crate::store::books::{ImportCounts, Posted};
use crate::store::now;

fn insert(c: &mut impl GenericClient, business: &str, p: &Posted, source: &str) -> Result<bool> {
    let n = c.execute(
        "INSERT INTO book_history (business, key, counterparty, kind, day, number,
             account, amount, currency, memo, class, tax_code, source, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING",
        &[
            &business,
            &p.key,
            &p.counterparty,
            &p.kind,
            &p.day,
            &p.number,
            &p.account,
            &p.amount.map(|a| a.to_string()),
            &p.currency,
            &p.memo,
            &p.class,
            &p.tax_code,
            &source,
            &now(),
        ],
    )?;
    Ok(n == 1)
}

/// Add the lines not stored yet, in one transaction.
pub(super) fn import(
    c: &mut impl GenericClient,
    business: &str,
    lines: &[Posted],
    source: &str,
) -> Result<ImportCounts> {
    let mut tx = c.transaction()?;
    let mut n = ImportCounts::default();
    for p in lines {
        if insert(&mut tx, business, p, source)? {
            n.added += 1;
        } else {
            n.updated += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// The counterparties of the history with their transaction types, each pair once.
pub(super) fn counterparties(
    c: &mut impl GenericClient,
    business: &str,
) -> Result<Vec<(String, String)>> {
    // COLLATE "C": byte order, as SQLite's BINARY collation sorts.
    let rows = c.query(
        "SELECT DISTINCT counterparty COLLATE \"C\", kind COLLATE \"C\" FROM book_history
         WHERE business = $1 ORDER BY 1, 2",
        &[&business],
    )?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

fn posted(r: &Row) -> Result<Posted> {
    let amount: Option<String> = r.try_get(7)?;
    Ok(Posted {
        key: r.try_get(0)?,
        counterparty: r.try_get(1)?,
        kind: r.try_get(2)?,
        day: r.try_get(3)?,
        number: r.try_get(4)?,
        account: r.try_get(5)?,
        memo: r.try_get(6)?,
        amount: amount.and_then(|a| a.parse().ok()),
        currency: r.try_get(8)?,
        class: r.try_get(9)?,
        tax_code: r.try_get(10)?,
    })
}

/// The lines of one counterparty, newest first.
pub(super) fn of(
    c: &mut impl GenericClient,
    business: &str,
    counterparty: &str,
) -> Result<Vec<Posted>> {
    // COLLATE "C": byte order, as SQLite's BINARY collation sorts; NULLS LAST: SQLite's NULLs
    // sort first, so last in DESC.
    c.query(
        "SELECT key, counterparty, kind, day, number, account, memo, amount, currency, class,
             tax_code
         FROM book_history WHERE business = $1 AND counterparty = $2
         ORDER BY day COLLATE \"C\" DESC NULLS LAST, key COLLATE \"C\"",
        &[&business, &counterparty],
    )?
    .iter()
    .map(posted)
    .collect()
}

/// Replace an approved document's lines.
pub(super) fn record_approved(
    c: &mut impl GenericClient,
    business: &str,
    document: i64,
    lines: &[Posted],
) -> Result<()> {
    let mut tx = c.transaction()?;
    // ILIKE: SQLite's LIKE ignores ASCII case.
    tx.execute(
        "DELETE FROM book_history WHERE business = $1 AND key ILIKE $2",
        &[&business, &format!("approval:{document}:%")],
    )?;
    for p in lines {
        // ON CONFLICT DO UPDATE of every column: SQLite's INSERT OR REPLACE.
        tx.execute(
            "INSERT INTO book_history (business, key, counterparty, kind, day, number,
                 account, amount, currency, memo, class, tax_code, source, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'approval', $13)
             ON CONFLICT (business, key) DO UPDATE SET counterparty = excluded.counterparty,
                 kind = excluded.kind, day = excluded.day, number = excluded.number,
                 account = excluded.account, amount = excluded.amount,
                 currency = excluded.currency, memo = excluded.memo, class = excluded.class,
                 tax_code = excluded.tax_code, source = excluded.source,
                 imported_at = excluded.imported_at",
            &[
                &business,
                &p.key,
                &p.counterparty,
                &p.kind,
                &p.day,
                &p.number,
                &p.account,
                &p.amount.map(|a| a.to_string()),
                &p.currency,
                &p.memo,
                &p.class,
                &p.tax_code,
                &now(),
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Delete a business's history.
pub(super) fn clear(c: &mut impl GenericClient, business: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM book_history WHERE business = $1", &[&business])? as usize)
}
