-- 0003: crash-safe moves of originals. The move to processed/ or failed/ is decided in the same
-- statement that makes the row terminal (move_pending = the destination); the file is renamed
-- after the commit and the row then gets moved_to (move_pending cleared). A stop in between
-- leaves move_pending set, and start-up recovery finishes the move.
ALTER TABLE documents ADD COLUMN move_pending TEXT;
CREATE INDEX documents_move_pending ON documents (id) WHERE move_pending IS NOT NULL;
