"""API keys in PostgreSQL, so every replica sees a key created or revoked on any of them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from psycopg_pool import ConnectionPool

from gateway.auth.keys import ApiKey, KeyBackend, KeyStore, join_ids, key_from_row, mint
from gateway.auth.principal import Scope
from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import redact

_COLUMNS = "id, name, hash, stores, scopes, created_at, revoked_at"


def open_key_store(data_dir: str | Path | None, url: str | None = None) -> KeyBackend:
    """PostgreSQL at `url` when given, else the data dir's SQLite file (shared by `serve`
    and `cartgraph keys`)."""
    return PgKeyStore(url) if url else KeyStore.in_data_dir(data_dir)


class PgKeyStore:
    """`KeyBackend` on PostgreSQL; blocking like `KeyStore` (callers use a thread)."""

    def __init__(self, url: str) -> None:
        ensure_schema(url)
        self.url = url
        # a pool, not one connection: it replaces a connection lost to a database restart.
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=2,
            open=True,
            name="cartgraph-keys",
            kwargs={"autocommit": True},
        )

    def __repr__(self) -> str:
        return f"PgKeyStore({redact(self.url)!r})"

    def create(
        self, name: str, stores: Iterable[str] | None, scopes: Iterable[Scope]
    ) -> tuple[ApiKey, str]:
        """Store a new key; returns it and the full secret key (shown once, never stored)."""
        key_id, full, digest = mint()
        store_set = None if stores is None else frozenset(stores)
        key = ApiKey(key_id, name, store_set, frozenset(scopes), time.time())
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO api_keys (id, name, hash, stores, scopes, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (key_id, name, digest, join_ids(store_set), join_ids(key.scopes), key.created_at),
            )
        return key, full

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by id; False when no such live key."""
        with self._pool.connection() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
                (time.time(), key_id),
            )
            return cursor.rowcount == 1

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id"  # noqa: S608
            ).fetchall()
        return [key_from_row(row)[0] for row in rows]

    def lookup(self, key_id: str) -> tuple[ApiKey, str] | None:
        """(key, stored hash) of a live key, or None."""
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM api_keys WHERE id = %s AND revoked_at IS NULL",  # noqa: S608
                (key_id,),
            ).fetchone()
        return None if row is None else key_from_row(row)

    def count_live(self) -> int:
        """How many keys are not revoked (serve refuses to start with none)."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL").fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()
