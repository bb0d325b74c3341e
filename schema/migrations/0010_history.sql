-- 0010: the business's transaction history (issue 26): the lines its books already posted, read
-- from the accounting software's transaction reports (`zopilot books import`: QuickBooks Online
-- Transaction Detail by Account / Transaction List by Vendor, Zoho Books bills and expenses,
-- QuickBooks IIF transactions, the plain template) and the lines of approved documents. What a
-- counterparty's history teaches (its PRIMARY, each account's use) is computed from these rows
-- when a document of that counterparty is processed.
--
-- One row per (business, key); `key` is a hash of the row's fields and its occurrence in the
-- file, so importing the same export again (or an overlapping one) adds nothing; an approved
-- document's lines are keyed `approval:<document id>:<line>` and replaced when it is approved
-- again. (Numbered 0010: 0008 and 0009 are taken on another branch.)
CREATE TABLE book_history (
    business      TEXT NOT NULL,  -- the business's key (its name folded, see store::books)
    key           TEXT NOT NULL,
    counterparty  TEXT NOT NULL,  -- the vendor or customer as the books name it
    kind          TEXT NOT NULL,  -- the canonical transaction type: bill, expense, check, credit_card_charge …
    day           TEXT,           -- YYYY-MM-DD
    number        TEXT,           -- the transaction's number (Num, DOCNUM, Bill Number …)
    account       TEXT,           -- the account the line posted to
    amount        TEXT,           -- decimal as text
    currency      TEXT,           -- ISO 4217
    memo          TEXT,           -- the line's text (Memo/Description)
    class         TEXT,
    tax_code      TEXT,
    source        TEXT NOT NULL,  -- the export's format and file name, or `approval`
    imported_at   TEXT NOT NULL,
    PRIMARY KEY (business, key)
);
CREATE INDEX book_history_counterparty ON book_history (business, counterparty);
