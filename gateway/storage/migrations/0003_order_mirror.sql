-- 0003: the order mirror of platforms listed from a local copy (issue 19: Amazon, whose
-- searchOrders plan allows one call per 3 minutes), kept by the order poller.

CREATE TABLE order_mirror (
    store_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (store_id, order_id)
);
CREATE INDEX order_mirror_newest ON order_mirror (store_id, updated_at, order_id);

CREATE TABLE mirror_syncs (
    store_id TEXT PRIMARY KEY,
    synced_at TEXT NOT NULL
);
