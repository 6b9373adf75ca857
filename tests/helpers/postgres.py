"""The storage backends tests run on: SQLite, and PostgreSQL in a throw-away database."""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from gateway.events.log import EventLog
from gateway.events.pg_log import PgEventLog
from gateway.events.service import EventService
from gateway.events.sqlite_log import SqliteEventLog
from gateway.stores import StoreRegistry
from gateway.writes.queue import open_store
from gateway.writes.store import WriteStore

# the server this machine kind starts (trust auth); CARTGRAPH_TEST_PG points elsewhere.
ADMIN_URL = os.environ.get("CARTGRAPH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
_schemas = itertools.count(1)


@dataclass(frozen=True)
class Backend:
    """One storage backend: `url` None is SQLite (files under a data dir, or memory)."""

    name: str
    url: str | None = None

    def write_store(self, data_dir: Path | None = None) -> WriteStore:
        """A write store: SQLite in `data_dir` (in memory without one), or this test's schema
        (a second call is a second replica on the same queue)."""
        return open_store(data_dir, self.url)

    def event_log(self, data_dir: Path) -> EventLog:
        """The event log of a data dir (PostgreSQL: this test's schema)."""
        if self.url:
            return PgEventLog(self.url)
        return SqliteEventLog(data_dir / "events.sqlite3")

    def event_service(self, registry: StoreRegistry, data_dir: Path, **kw: Any) -> EventService:
        """`EventService.open` on this backend."""
        return EventService.open(registry, data_dir, storage_url=self.url, **kw)

    def count(self, data_dir: Path, table: str) -> int:
        """Rows in one event-log table (blocking; tests poll it)."""
        return int(self.rows(data_dir, f"SELECT COUNT(*) FROM {table}")[0][0])  # noqa: S608

    def rows(self, data_dir: Path, query: str) -> list[tuple[Any, ...]]:
        """Rows of one query on the event log's tables (blocking)."""
        if self.url:
            return pg_rows(self.url, query)
        with contextlib.closing(sqlite3.connect(data_dir / "events.sqlite3")) as db:
            return db.execute(query).fetchall()

    def toml(self) -> str:
        """The `[storage]` table of a config file ("" for SQLite)."""
        return f'[storage]\nurl = "{self.url}"\n' if self.url else ""


SQLITE = Backend("sqlite")


def _unreachable(exc: Exception) -> None:
    reason = f"PostgreSQL at {ADMIN_URL} is unreachable ({exc}); its half of the suite"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} must run in CI (.ci/run starts the server)", pytrace=False)
    pytest.skip(f"{reason} is SKIPPED: start PostgreSQL to run it")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database made for this test session and dropped after it: its URL."""
    name = f"cartgraph_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _unreachable(exc)
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh schema for one test (dropped after it): a URL whose search_path is it."""
    schema = f"t{next(_schemas)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{pg_database}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each storage test runs on SQLite and on PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        return SQLITE
    return Backend("postgres", request.getfixturevalue("pg_url"))


def pg_rows(url: str, query: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of one query (tests look at tables directly)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]
