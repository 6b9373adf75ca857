"""Trusted documents in PostgreSQL, so `documents add` on one host reaches every replica."""

from __future__ import annotations

import time
from pathlib import Path

from psycopg_pool import ConnectionPool

from gateway.documents import DocumentBackend, DocumentStore
from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import redact
from resolvers.hardened_schema import query_hash

CACHED = 10_000  # documents kept in memory per process (a body never changes for its hash)


def open_documents(data_dir: str | Path, url: str | None = None) -> DocumentBackend:
    """PostgreSQL at `url` when given, else `<data_dir>/documents.sqlite3`."""
    return PgDocumentStore(url) if url else DocumentStore.open(data_dir)


class PgDocumentStore:
    """`DocumentBackend` on PostgreSQL. Lookups are blocking like the SQLite store's, so
    found documents are cached: a hash names one body forever, and each is read once."""

    def __init__(self, url: str) -> None:
        ensure_schema(url)
        self.url = url
        self._pool = ConnectionPool(
            url, min_size=1, max_size=2, open=True, name="cartgraph-documents",
            kwargs={"autocommit": True},
        )  # fmt: skip
        self._found: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"PgDocumentStore({redact(self.url)!r})"

    def add(self, body: str, name: str | None = None) -> str:
        """Register `body` (idempotent); returns its sha256."""
        digest = query_hash(body) or ""
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO documents (sha256, name, body, added_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (digest, name, body, time.time()),
            )
        return digest

    def get(self, digest: str) -> str | None:
        """The registered body of a hash, or None."""
        if digest in self._found:
            return self._found[digest]
        with self._pool.connection() as conn:
            row = conn.execute("SELECT body FROM documents WHERE sha256 = %s", (digest,)).fetchone()
        if row is None:
            return None
        if len(self._found) < CACHED:
            self._found[digest] = str(row[0])
        return str(row[0])

    def entries(self) -> list[tuple[str, str | None]]:
        """(sha256, name) of every registered document, oldest first."""
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT sha256, name FROM documents ORDER BY added_at").fetchall()
        return [(str(digest), None if name is None else str(name)) for digest, name in rows]

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()
