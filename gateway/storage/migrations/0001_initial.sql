-- 0001: the write queue, the event log, API keys and trusted documents (the SQLite files' tables).

CREATE TABLE write_jobs (
    seq BIGSERIAL PRIMARY KEY,  -- acceptance order; per resource also commit order (enqueue lock)
    id TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    in_doubt BOOLEAN NOT NULL DEFAULT FALSE,
    checkpoint JSONB,
    result JSONB,
    last_error_code TEXT,
    last_error_message TEXT,
    platform_request_id TEXT,
    submitted_by TEXT,
    claimed_by BIGINT,  -- the worker lease (an advisory lock key) of the worker running it
    CONSTRAINT write_jobs_idempotency UNIQUE (store_id, idempotency_key)
);
CREATE INDEX write_jobs_in_line ON write_jobs (store_id, resource_key, seq);
CREATE INDEX write_jobs_due ON write_jobs (next_attempt_at) WHERE status IN ('QUEUED', 'RETRYING');
CREATE INDEX write_jobs_listing ON write_jobs (store_id, seq);

CREATE TABLE receipts (
    id BIGSERIAL PRIMARY KEY,
    store_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    headers JSONB NOT NULL,
    body BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT receipts_delivery UNIQUE (store_id, delivery_id)
);
CREATE INDEX receipts_pending ON receipts (id) WHERE NOT processed;

-- one row: the last event sequence handed out. Every append locks it first, so appends run
-- one at a time and sequences are assigned in commit order (a BIGSERIAL is not).
CREATE TABLE event_sequence (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    last_seq BIGINT NOT NULL
);
INSERT INTO event_sequence (only_row, last_seq) VALUES (TRUE, 0);

CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    store_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload JSONB NOT NULL
);
CREATE INDEX events_store ON events (store_id, seq);
CREATE INDEX events_store_version ON events (store_id, version);  -- newest_event_at

CREATE TABLE object_versions (
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    state JSONB NOT NULL,
    PRIMARY KEY (store_id, kind, object_id)
);

CREATE TABLE checkpoints (
    store_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (store_id, stream)
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    stores TEXT,  -- comma-separated store ids; NULL = every store
    scopes TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION
);

CREATE TABLE documents (
    sha256 TEXT PRIMARY KEY,
    name TEXT,
    body TEXT NOT NULL,
    added_at DOUBLE PRECISION NOT NULL
);
