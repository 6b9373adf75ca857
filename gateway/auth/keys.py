"""API keys: `cg_<id>_<secret>` minted once, only a hash kept, shared by every replica."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gateway.auth.principal import Principal, Scope

PREFIX = "cg_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    stores TEXT,              -- comma-separated store ids; NULL = every store
    scopes TEXT NOT NULL,     -- comma-separated scopes
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""
# a revocation reaches a running gateway (another process did it) within this many seconds.
CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class ApiKey:
    """A stored key: everything but the secret."""

    id: str
    name: str
    stores: frozenset[str] | None
    scopes: frozenset[Scope]
    created_at: float
    revoked_at: float | None = None

    def principal(self) -> Principal:
        """The caller this key authenticates."""
        return Principal(name=self.name, key_id=self.id, store_ids=self.stores, scopes=self.scopes)


def mint() -> tuple[str, str, str]:
    """(key id, the full key to show once, its hash). 256 bits of randomness in the secret."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{PREFIX}{key_id}_{secret}"
    return key_id, full, hash_secret(full)


def hash_secret(full_key: str) -> str:
    """SHA-256 of the whole key: the secret has 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_id_of(token: str) -> str | None:
    """The id part of `cg_<id>_<secret>`, or None when the token is not shaped like a key."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if not sep or not key_id or not secret or len(token) > 200:
        return None
    return key_id


class KeyBackend(Protocol):
    """Where keys live: `KeyStore` (SQLite in the data dir) or `PgKeyStore` (PostgreSQL,
    so every replica sees a key created or revoked on any of them)."""

    def create(
        self, name: str, stores: Iterable[str] | None, scopes: Iterable[Scope]
    ) -> tuple[ApiKey, str]: ...

    def revoke(self, key_id: str) -> bool: ...

    def list(self) -> list[ApiKey]: ...

    def lookup(self, key_id: str) -> tuple[ApiKey, str] | None: ...

    def count_live(self) -> int: ...

    def close(self) -> None: ...


class KeyStore:
    """API keys in SQLite under the data dir (`:memory:` when there is none)."""

    def __init__(self, path: str | Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout = 5000")
        if path is not None:
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: str | Path | None) -> KeyStore:
        """The key store of a gateway's data dir (shared by `serve` and `cartgraph keys`)."""
        return cls(None if data_dir is None else Path(data_dir) / "auth.sqlite3")

    def create(
        self, name: str, stores: Iterable[str] | None, scopes: Iterable[Scope]
    ) -> tuple[ApiKey, str]:
        """Store a new key; returns it and the full secret key (shown once, never stored)."""
        key_id, full, digest = mint()
        store_set = None if stores is None else frozenset(stores)
        key = ApiKey(key_id, name, store_set, frozenset(scopes), time.time())
        with self._lock:
            self._db.execute(
                "INSERT INTO api_keys (id, name, hash, stores, scopes, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, name, digest, join_ids(store_set), join_ids(key.scopes), key.created_at),
            )
        return key, full

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by id; False when no such live key."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
        return cur.rowcount == 1

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, hash, stores, scopes, created_at, revoked_at"
                " FROM api_keys ORDER BY created_at, id"
            ).fetchall()
        return [key_from_row(row)[0] for row in rows]

    def lookup(self, key_id: str) -> tuple[ApiKey, str] | None:
        """(key, stored hash) of a live key, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, hash, stores, scopes, created_at, revoked_at"
                " FROM api_keys WHERE id = ? AND revoked_at IS NULL",
                (key_id,),
            ).fetchone()
        return None if row is None else key_from_row(row)

    def count_live(self) -> int:
        """How many keys are not revoked (serve refuses to start with none)."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL"
            ).fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def join_ids(values: Iterable[str] | None) -> str | None:
    """Ids as stored: comma-separated and sorted; None stays None (every store)."""
    return None if values is None else ",".join(sorted(values))


def key_from_row(row: Sequence[object]) -> tuple[ApiKey, str]:
    """(key, stored hash) from a row of (id, name, hash, stores, scopes, created, revoked)."""
    key_id, name, digest, stores, scopes, created, revoked = row
    store_set = None if stores is None else frozenset(s for s in str(stores).split(",") if s)
    scope_set = frozenset(Scope(s) for s in str(scopes).split(",") if s)
    key = ApiKey(
        str(key_id),
        str(name),
        store_set,
        scope_set,
        float(created),  # type: ignore[arg-type]
        None if revoked is None else float(revoked),  # type: ignore[arg-type]
    )
    return key, str(digest)


@dataclass(frozen=True)
class StaticKey:
    """A key given in the config file (by env:/file: reference), not in the key store."""

    id: str
    name: str
    digest: str
    stores: frozenset[str] | None
    scopes: frozenset[Scope]


class KeyAuthenticator:
    """Checks `cg_…` bearer tokens against the key store and the config's static keys."""

    def __init__(self, store: KeyBackend, static: Sequence[StaticKey] = ()) -> None:
        self.store = store
        self.static = {k.id: k for k in static}
        self._cache: dict[str, tuple[float, ApiKey | None, str]] = {}

    def accepts(self, token: str) -> bool:
        """Tokens that start with `cg_` are ours."""
        return token.startswith(PREFIX)

    async def authenticate(self, token: str) -> Principal | None:
        """The key's principal when the token matches a live key, in constant time."""
        key_id = key_id_of(token)
        if key_id is None:
            return None
        static = self.static.get(key_id)
        if static is not None:
            if hmac.compare_digest(static.digest, hash_secret(token)):
                return Principal(static.name, static.id, static.stores, static.scopes)
            return None
        key, digest = await self._live(key_id)
        if key is None or not hmac.compare_digest(digest, hash_secret(token)):
            return None
        return key.principal()

    async def still_valid(self, principal: Principal) -> bool:
        """False once the principal's key has been revoked (open sockets are then closed)."""
        if principal.key_id is None or principal.key_id in self.static:
            return True
        if ":" in principal.key_id:  # another authenticator's principal (e.g. `jwt:iss#sub`)
            return True
        key, _ = await self._live(principal.key_id)
        return key is not None

    async def _live(self, key_id: str) -> tuple[ApiKey | None, str]:
        now = time.monotonic()
        hit = self._cache.get(key_id)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1], hit[2]
        found = await asyncio.to_thread(self.store.lookup, key_id)
        key, digest = found if found is not None else (None, "")
        if len(self._cache) > 10_000:  # made-up key ids must not grow memory without bound
            self._cache.clear()
        self._cache[key_id] = (now, key, digest)
        return key, digest
