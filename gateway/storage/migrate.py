"""Numbered schema migrations, applied once each under an advisory lock and recorded."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg

from gateway.storage.postgres import NS_MIGRATE, redact
from platforms.errors import ConfigError

log = logging.getLogger("cartgraph.storage")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""
_migrated: set[str] = set()  # urls whose schema this process already brought up to date
_migrated_lock = threading.Lock()


@dataclass(frozen=True)
class Migration:
    """One `NNNN_name.sql` file: applied in one transaction, in version order."""

    version: int
    name: str
    path: Path

    def sql(self) -> str:
        """The file's statements."""
        return self.path.read_text(encoding="utf-8")


def migrations() -> list[Migration]:
    """Every migration shipped with this version, oldest first."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(int(number), name, path))
    return found


def migrate(url: str) -> list[Migration]:
    """Apply the migrations this database lacks; returns those applied now.

    A session advisory lock serialises replicas that start together: the second waits,
    then finds every migration recorded and applies nothing.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        # per schema: deployments (and tests) in separate schemas of one database do not wait.
        conn.execute("SELECT pg_advisory_lock(%s, hashtext(current_schema()))", (NS_MIGRATE,))
        try:
            return _apply_missing(conn)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, hashtext(current_schema()))", (NS_MIGRATE,))


def _apply_missing(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    conn.execute(_LEDGER)
    done = {int(str(row[0])) for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for migration in migrations():
        if migration.version in done:
            continue
        with conn.transaction():
            conn.execute(migration.sql().encode())  # no parameters: several statements at once
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
        log.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration)
    return applied


def ensure_schema(url: str) -> None:
    """Migrate once per process and database (every store opener calls this)."""
    with _migrated_lock:
        if url in _migrated:
            return
        try:
            migrate(url)
        except psycopg.OperationalError as exc:
            # start-up stops with the reason (exit 2), never with the URL's secrets.
            raise ConfigError(f"storage.url {redact(url)}: cannot migrate: {exc}") from None
        _migrated.add(url)
