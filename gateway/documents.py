"""Persisted documents: Automatic Persisted Queries and the trusted-documents allow-list."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from resolvers.hardened_schema import query_hash
from resolvers.limits import BoundedCache

KIB = 1024
DOCUMENTS_FILE = "documents.sqlite3"
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # Apollo's code: the client resends with the text
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"  # trusted mode: the operation was never registered
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DocumentRefused(Exception):
    """A request whose document cannot be used; the view answers it as a typed error."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


class DocumentBackend(Protocol):
    """Where registered documents live: `DocumentStore` (SQLite) or `PgDocumentStore`."""

    def add(self, body: str, name: str | None = None) -> str: ...

    def get(self, digest: str) -> str | None: ...

    def entries(self) -> list[tuple[str, str | None]]: ...

    def close(self) -> None: ...


class DocumentStore:
    """Registered documents by sha256 in SQLite (`<data_dir>/documents.sqlite3`)."""

    def __init__(self, path: str | Path) -> None:
        # one connection shared by the loop thread and `documents add`; SQLite serialises.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents"
            " (sha256 TEXT PRIMARY KEY, name TEXT, body TEXT NOT NULL, added_at REAL NOT NULL)"
        )

    @classmethod
    def open(cls, data_dir: str | Path) -> DocumentStore:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory / DOCUMENTS_FILE)

    def add(self, body: str, name: str | None = None) -> str:
        """Register `body` (idempotent); returns its sha256."""
        digest = query_hash(body) or ""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO documents VALUES (?, ?, ?, ?)",
                (digest, name, body, time.time()),
            )
        return digest

    def get(self, digest: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM documents WHERE sha256 = ?", (digest,)
            ).fetchone()
        return str(row[0]) if row else None

    def entries(self) -> list[tuple[str, str | None]]:
        """(sha256, name) of every registered document, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT sha256, name FROM documents ORDER BY added_at")
            return [(str(d), n) for d, n in rows.fetchall()]

    def close(self) -> None:
        self._db.close()


class PersistedDocuments:
    """Turns a request's (query, extensions) into the text to execute.

    APQ (Apollo's protocol): `extensions.persistedQuery = {version: 1, sha256Hash}`; a hash
    alone is looked up (miss: PERSISTED_QUERY_NOT_FOUND), a hash with its text registers
    the text once the hash is verified. With `trusted_only`, only documents registered with
    `cartgraph documents add` run, by hash or by text, and APQ registration is off.
    """

    def __init__(
        self,
        store: DocumentBackend | None = None,
        *,
        trusted_only: bool = False,
        apq_max_document_bytes: int = 64 * KIB,
        apq_max_total_bytes: int = 4 * 1024 * KIB,
    ) -> None:
        if trusted_only and store is None:
            raise ValueError("trusted documents need a document store")
        self.store = store
        self.trusted_only = trusted_only
        self.apq: BoundedCache[str] = BoundedCache(apq_max_document_bytes, apq_max_total_bytes)

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.trusted_only and query is not None:
                self._require_registered(query_hash(query) or "")
            return query
        digest = _digest(persisted)
        if query is None:
            text = self.apq.get(digest) or (self.store.get(digest) if self.store else None)
            if text is None:
                raise DocumentRefused("PersistedQueryNotFound", NOT_FOUND, status=200)
            return text
        if query_hash(query) != digest:
            raise DocumentRefused("provided sha does not match query", "BAD_REQUEST")
        if self.trusted_only:
            self._require_registered(digest)
        else:
            self.apq.put(digest, query, size=len(query.encode("utf-8", "surrogatepass")))
        return query

    def _require_registered(self, digest: str) -> None:
        if self.store is None or self.store.get(digest) is None:
            raise DocumentRefused(
                "This server runs only registered operations (trusted documents)", NOT_IN_LIST
            )


def _digest(persisted: object) -> str:
    if isinstance(persisted, dict) and persisted.get("version") == 1:
        digest = persisted.get("sha256Hash")
        if isinstance(digest, str) and _SHA256.match(digest.lower()):
            return digest.lower()
    raise DocumentRefused(
        "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}",
        "BAD_REQUEST",
    )
