-- 0006: the OpenAI-compatible files and batches API (`/v1/files`, `/v1/batches`).
--
-- api_files: files uploaded for batches (JSONL in) and the files batches write (JSONL out).
-- Times are Unix seconds, as the OpenAI objects carry them.
CREATE TABLE api_files (
    id          TEXT    PRIMARY KEY,             -- file-<24 hex>
    filename    TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,                -- batch, batch_output, user_data …
    bytes       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    content     BLOB    NOT NULL
);

-- batches: one per POST /v1/batches. Run by the worker between documents, one request line at a
-- time, so a batch survives a daemon restart: lines without a result are still to do.
CREATE TABLE batches (
    id                 TEXT    PRIMARY KEY,      -- batch_<24 hex>
    endpoint           TEXT    NOT NULL,
    input_file_id      TEXT    NOT NULL REFERENCES api_files (id),
    completion_window  TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('validating', 'failed', 'in_progress',
                           'finalizing', 'completed', 'expired', 'cancelling', 'cancelled')),
    metadata_json      TEXT,
    errors_json        TEXT,                     -- {object: list, data: [{code, message, line}]}
    total              INTEGER NOT NULL DEFAULT 0,
    completed          INTEGER NOT NULL DEFAULT 0,
    failed             INTEGER NOT NULL DEFAULT 0,
    output_file_id     TEXT REFERENCES api_files (id),
    error_file_id      TEXT REFERENCES api_files (id),
    created_at         INTEGER NOT NULL,
    in_progress_at     INTEGER,
    finalizing_at      INTEGER,
    completed_at       INTEGER,
    failed_at          INTEGER,
    cancelled_at       INTEGER,
    expires_at         INTEGER
);

-- batch_lines: the request lines of a batch and, once run, each one's output line.
CREATE TABLE batch_lines (
    batch_id      TEXT    NOT NULL REFERENCES batches (id),
    line          INTEGER NOT NULL,              -- 0-based line of the input file
    custom_id     TEXT    NOT NULL,
    request_json  TEXT    NOT NULL,              -- the request body
    output_json   TEXT,                          -- the output line, once run
    ok            INTEGER,                       -- 1: a response, 0: an error
    PRIMARY KEY (batch_id, line)
);
CREATE INDEX batch_lines_todo ON batch_lines (batch_id, line) WHERE output_json IS NULL;
