-- 0009: no original without a trace.
-- A move of an original that failed (a *file* named `processed` where the folder should be, a
-- full disk) stays pending and is retried with back-off, also after a restart: `move_error`
-- says why (shown on the document and in the status), `move_attempts` counts the tries,
-- `move_next_ms` is when the next one is due (unix ms).
-- The same content dropped again at the same path after the first copy was moved away is a new
-- row (a duplicate of the first): a (content, path) pair is unique only among rows whose
-- original is still where it was found.
ALTER TABLE documents ADD COLUMN move_error TEXT;
ALTER TABLE documents ADD COLUMN move_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN move_next_ms INTEGER NOT NULL DEFAULT 0;
DROP INDEX documents_content_path;
CREATE UNIQUE INDEX documents_content_path ON documents (sha256, original_path_raw)
    WHERE moved_to_raw IS NULL;
