-- 0002: dead letters (incoming data that could not become events), which objects each
-- receipt showed, and events by object (issue 17: quarantine, replay, object history).

CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY,
    store_id TEXT NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL,
    receipt_id BIGINT,
    kind TEXT,
    object_id TEXT,
    body BYTEA,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX dead_letters_store ON dead_letters (store_id, id);
CREATE INDEX dead_letters_object ON dead_letters (store_id, kind, object_id);

CREATE TABLE receipt_objects (
    receipt_id BIGINT NOT NULL,
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (store_id, kind, object_id, receipt_id)
);

CREATE INDEX events_object ON events (store_id, kind, object_id);
