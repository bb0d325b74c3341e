-- 0001: the documents table — one row per (content SHA-256, original path) ever seen.
-- Status flow: queued → extracting → classifying → mapping → classified | preview_required | failed.
CREATE TABLE documents (
    id               INTEGER PRIMARY KEY,
    original_path    TEXT    NOT NULL,
    file_name        TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    size_bytes       INTEGER NOT NULL,
    source           TEXT    NOT NULL DEFAULT 'drop_folder',
    status           TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'extracting', 'classifying', 'mapping',
                                       'classified', 'preview_required', 'failed')),
    priority         INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    business_json    TEXT,             -- the business profile the document was classified for
    extracted_json   TEXT,             -- extracted_document.schema.json
    stage1_json      TEXT,             -- stage1.schema.json
    stage2_json      TEXT,             -- array of stage2.schema.json
    result_json      TEXT,             -- the combined result shown for review
    warnings_json    TEXT,             -- array of strings
    metrics_json     TEXT,             -- per-stage token counts and timings
    model            TEXT,
    error            TEXT              -- why the document failed, for people
);

CREATE UNIQUE INDEX documents_content_path ON documents (sha256, original_path);
CREATE INDEX documents_status ON documents (status, priority DESC, id);
