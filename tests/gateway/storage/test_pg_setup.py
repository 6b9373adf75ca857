"""PostgreSQL set-up: migrations under a lock (and `cartgraph migrate`), `[storage] url`
validation, and API keys and trusted documents every replica shares."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway.auth.pg_keys import PgKeyStore
from gateway.auth.principal import Scope
from gateway.cli import main
from gateway.config import parse_config, storage_url
from gateway.pg_documents import PgDocumentStore
from gateway.storage.migrate import migrate, migrations
from platforms.errors import ConfigError
from tests.helpers.postgres import pg_rows


async def test_replicas_starting_together_apply_each_migration_once(pg_url: str) -> None:
    applied = await asyncio.gather(*(asyncio.to_thread(migrate, pg_url) for _ in range(4)))
    assert sorted(len(a) for a in applied) == [0, 0, 0, len(migrations())]
    recorded = pg_rows(pg_url, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(m.version, m.name) for m in migrations()]
    assert migrate(pg_url) == []


def test_cartgraph_migrate_reports_the_schema(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "cartgraph.toml"
    config.write_text(f'[storage]\nurl = "{pg_url}"\n', encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    first = capsys.readouterr().out
    assert "applied 0001_initial" in first
    assert main(["migrate", "--config", str(config)]) == 0
    again = capsys.readouterr().out
    latest = migrations()[-1]
    assert "applied" not in again and f"schema at {latest.version:04d}_{latest.name}" in again


def test_sqlite_needs_no_migration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "cartgraph.toml"
    config.write_text("", encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


def test_a_password_in_the_storage_url_is_refused_and_references_resolve() -> None:
    with pytest.raises(ConfigError, match=r"storage\.url: .*literal secret"):
        parse_config({"storage": {"url": "postgresql://cg:hunter2@db/cartgraph"}})
    with pytest.raises(ConfigError, match=r"storage\.url"):
        parse_config({"storage": {"url": "mysql://db/cartgraph"}})
    config = parse_config({"storage": {"url": "env:CG_DB"}})
    url = "postgresql://cg:hunter2@db/cartgraph"
    assert storage_url(config, environ={"CG_DB": url}) == url
    assert storage_url(parse_config({})) is None


def test_a_key_created_on_one_replica_works_and_is_revoked_on_every_other(pg_url: str) -> None:
    one, other = PgKeyStore(pg_url), PgKeyStore(pg_url)
    key, secret = one.create("oms", ["shop"], [Scope("read")])
    found = other.lookup(key.id)
    assert found is not None and found[0].stores == frozenset({"shop"})
    assert secret not in str(pg_rows(pg_url, "SELECT * FROM api_keys"))  # only its hash
    assert other.revoke(key.id) and one.lookup(key.id) is None
    assert one.count_live() == 0 and [k.id for k in one.list()] == [key.id]
    one.close()
    other.close()


def test_trusted_documents_are_shared(pg_url: str) -> None:
    one, other = PgDocumentStore(pg_url), PgDocumentStore(pg_url)
    digest = one.add("query Shops { stores { id } }", "Shops")
    assert one.add("query Shops { stores { id } }", "Shops") == digest  # idempotent
    assert other.get(digest) == "query Shops { stores { id } }"
    assert other.get("0" * 64) is None
    assert other.entries() == [(digest, "Shops")]
    one.close()
    other.close()
