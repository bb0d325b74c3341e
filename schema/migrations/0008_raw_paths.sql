-- 0008: file names that are not UTF-8 (Latin-1 names from old archives) are kept losslessly.
-- Each path is also stored as its raw bytes as the operating system spells it (`*_raw`: what
-- the daemon opens and moves), beside the text shown to people (`original_path`, `moved_to`,
-- `move_pending`, `file_name`: lossy, U+FFFD for what is not UTF-8).
ALTER TABLE documents ADD COLUMN original_path_raw BLOB;
ALTER TABLE documents ADD COLUMN moved_to_raw BLOB;
ALTER TABLE documents ADD COLUMN move_pending_raw BLOB;
UPDATE documents SET original_path_raw = CAST(original_path AS BLOB),
    moved_to_raw = CAST(moved_to AS BLOB),
    move_pending_raw = CAST(move_pending AS BLOB);
