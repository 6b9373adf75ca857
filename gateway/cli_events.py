"""`cartgraph events remap`: re-derive a store's events from what the log keeps (docs/money.md)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

from gateway.config import load_config, storage_url, store_connections
from gateway.events.log import EventLog
from gateway.events.pg_log import PgEventLog
from gateway.events.remap import apply, plan
from gateway.events.remap_store import remap_store
from gateway.events.service import LOG_FILE
from gateway.events.sqlite_log import SqliteEventLog
from platforms.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `events remap`."""
    events = sub.add_parser("events", help="maintain the event log")
    commands = events.add_subparsers(dest="events_command", required=True)
    remap = commands.add_parser(
        "remap",
        help="re-derive a store's events since a time with the current mappings (from "
        "webhook receipts and the order payloads events keep); corrections are appended as "
        "new events",
    )
    remap.add_argument("--config", required=True, help="path to cartgraph.toml")
    remap.add_argument("--store", required=True, help="the store's id")
    remap.add_argument(
        "--since", required=True, type=_instant, help="ISO 8601 time (UTC when no offset)"
    )
    remap.add_argument(
        "--dry-run", action="store_true", help="list what would be corrected, change nothing"
    )


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    """List (dry run) or append the corrections; 0 on success."""
    return asyncio.run(_remap(args))


async def _remap(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    found = [c for c in store_connections(config) if c.store_id == args.store]
    if not found:
        raise ConfigError(f"no store {args.store!r} in {args.config}")
    url = storage_url(config)
    event_log: EventLog = (
        PgEventLog(url) if url else SqliteEventLog(Path(config.gateway.data_dir) / LOG_FILE)
    )
    try:
        store = remap_store(event_log)
        report = await plan(store, found[0], args.since)
        print(
            f"{report.receipts} receipts and {report.payloads} stored order payloads of "
            f"{args.store} since {args.since.isoformat()}"
        )
        for line in report.skipped:
            print(f"skipped: {line}")
        verb = "would correct" if args.dry_run else "correcting"
        print(f"{verb} {len(report.corrections)} events")
        for correction in report.corrections:
            print(f"  {correction.describe()}")
        if not args.dry_run:
            appended = await apply(store, report)
            seqs = ", ".join(f"#{e.sequence}" for e in appended) or "none (already corrected)"
            print(f"appended {len(appended)} new events: {seqs}")
    finally:
        await event_log.aclose()
    return 0
