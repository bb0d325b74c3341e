-- 0002: leases, retries with backoff, dead-letter and duplicate statuses, a persisted control
-- table (pause), and an append-only event log of every claim and completion.
--
-- Status flow: queued → extracting → classifying → mapping → classified | preview_required | failed
--              queued ⇄ (in flight) → queued again with next_attempt_at (retry) … → dead
--              enqueue of content already known under another path → duplicate
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt (ids kept).
CREATE TABLE documents_v2 (
    id               INTEGER PRIMARY KEY,
    original_path    TEXT    NOT NULL,
    file_name        TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    size_bytes       INTEGER NOT NULL,
    source           TEXT    NOT NULL DEFAULT 'drop_folder',
    status           TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'extracting', 'classifying', 'mapping',
                                       'classified', 'preview_required', 'failed', 'dead', 'duplicate')),
    priority         INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,  -- claims so far; also the lease's fencing token
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    business_json    TEXT,
    extracted_json   TEXT,
    stage1_json      TEXT,
    stage2_json      TEXT,
    result_json      TEXT,
    warnings_json    TEXT,
    metrics_json     TEXT,
    model            TEXT,
    error            TEXT,
    lease_owner      TEXT,                        -- worker id holding the document in flight
    lease_expires_ms INTEGER,                     -- unix ms; renewed by heartbeats
    heartbeat_ms     INTEGER,                     -- unix ms of the last heartbeat
    next_attempt_ms  INTEGER NOT NULL DEFAULT 0,  -- unix ms before which a retry is not claimed
    duplicate_of     INTEGER REFERENCES documents_v2 (id),
    moved_to         TEXT                         -- where the original was moved, if configured
);

INSERT INTO documents_v2 (id, original_path, file_name, sha256, size_bytes, source, status, priority,
    attempts, created_at, updated_at, started_at, finished_at, business_json, extracted_json,
    stage1_json, stage2_json, result_json, warnings_json, metrics_json, model, error)
SELECT id, original_path, file_name, sha256, size_bytes, source, status, priority, attempts,
    created_at, updated_at, started_at, finished_at, business_json, extracted_json, stage1_json,
    stage2_json, result_json, warnings_json, metrics_json, model, error
FROM documents;

DROP TABLE documents;
ALTER TABLE documents_v2 RENAME TO documents;

CREATE UNIQUE INDEX documents_content_path ON documents (sha256, original_path);
CREATE INDEX documents_status ON documents (status, priority DESC, id);
CREATE INDEX documents_sha256 ON documents (sha256);

-- Daemon-wide switches that survive restarts ('paused' = '1' | '0').
CREATE TABLE control (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only history: 'enqueued', 'claimed', 'completed', 'retry', 'dead', 'released',
-- 'recovered', 'duplicate'. Written in the same transaction as the state change it records.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    event       TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    worker      TEXT,
    detail      TEXT
);
CREATE INDEX events_document ON events (document_id, id);
