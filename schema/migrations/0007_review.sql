-- 0007: the review page's outcomes. `approved`: the accountant approved the result (with their
-- corrections, `approval_json`); `rejected`: they rejected it (nothing to post; the reason in
-- `approval_json`). Both are terminal, like `classified`.
--
-- The documents table's CHECK constraint gains the two values. Widening a CHECK does not touch
-- stored rows, so the table definition is edited in place (SQLite's documented procedure for
-- schema changes that leave the on-disk format unchanged, https://www.sqlite.org/lang_altertable.html
-- "Making Other Kinds Of Table Schema Changes"); the runner bumps `schema_version` after it so
-- every connection reloads the schema, and checks the edit took.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''dead'', ''duplicate'')', '''dead'', ''duplicate'', ''approved'', ''rejected'')')
 WHERE type = 'table' AND name = 'documents';
PRAGMA writable_schema = OFF;
