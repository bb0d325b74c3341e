-- 0005: the business's own books, exchange rates, approvals and what approvals teach.
--
-- book_entries: lists imported from the accounting software's exports (`zopilot books import`):
-- the chart of accounts, vendors, customers, items. One row per (business, list, key); `key` is
-- the books' own id when the export has one, else the name folded, so a re-import updates rows in
-- place.
CREATE TABLE book_entries (
    business     TEXT    NOT NULL,  -- the business's key (its name folded, see store::books)
    list         TEXT    NOT NULL CHECK (list IN ('accounts', 'vendors', 'customers', 'items')),
    key          TEXT    NOT NULL,
    ext_id       TEXT,              -- the books' id (Id, Account ID, Contact ID, REFNUM …)
    name         TEXT    NOT NULL,  -- as the books spell it
    kind         TEXT,              -- account type (canonical), item type
    number       TEXT,              -- account number / code, SKU
    currency     TEXT,              -- ISO 4217
    active       INTEGER NOT NULL DEFAULT 1,
    detail_json  TEXT    NOT NULL DEFAULT '{}',  -- the export's other columns
    source       TEXT    NOT NULL,  -- the export's format and file name
    imported_at  TEXT    NOT NULL,
    PRIMARY KEY (business, list, key)
);

-- exchange_rates: imported reference rates (`zopilot rates import`): `rate` units of `currency`
-- per 1 `base` on `day` (the ECB convention), kept as decimal text.
CREATE TABLE exchange_rates (
    base      TEXT NOT NULL,
    currency  TEXT NOT NULL,
    day       TEXT NOT NULL,  -- YYYY-MM-DD
    rate      TEXT NOT NULL,
    source    TEXT NOT NULL,
    PRIMARY KEY (base, currency, day)
);

-- vendor_memory: per business and counterparty (name folded to its significant words), the
-- decision the accountant approved last (action, accounts, class, tax code) and how many approved
-- documents taught it.
CREATE TABLE vendor_memory (
    business       TEXT    NOT NULL,
    counterparty   TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    decision_json  TEXT    NOT NULL,
    approvals      INTEGER NOT NULL,
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (business, counterparty)
);

-- An accountant's approval of a result, with the corrections made (`zopilot approve`).
ALTER TABLE documents ADD COLUMN approved_at TEXT;
ALTER TABLE documents ADD COLUMN approval_json TEXT;
