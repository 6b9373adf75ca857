"""`cartgraph migrate`: bring the PostgreSQL schema of `[storage] url` up to date."""

from __future__ import annotations

import argparse
import sys

import psycopg

from gateway.config import load_config, storage_url
from gateway.storage.migrate import migrate, migrations
from gateway.storage.postgres import redact


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `migrate`."""
    parser = sub.add_parser(
        "migrate",
        help="apply the PostgreSQL schema migrations of [storage] url (serve also does at start)",
    )
    parser.add_argument("--config", required=True, help="path to cartgraph.toml")


def run(args: argparse.Namespace) -> int:
    """Apply what the database lacks; 0 when the schema is up to date, 1 when unreachable."""
    config = load_config(args.config)
    url = storage_url(config)
    if url is None:
        print(
            f"no [storage] url: the SQLite files in {config.gateway.data_dir} create their"
            " tables when opened; nothing to migrate"
        )
        return 0
    try:
        applied = migrate(url)
    except psycopg.Error as exc:
        print(f"cartgraph: {redact(url)}: {exc}", file=sys.stderr)
        return 1
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    latest = migrations()[-1]
    print(f"{redact(url)}: schema at {latest.version:04d}_{latest.name}")
    return 0
