"""`cartgraph backfill` and `cartgraph export`: long walks with a progress bar, Ctrl-C safe."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

from gateway.backfill import Outcome, backfill
from gateway.cli_events import _instant
from gateway.config import load_config, storage_url, store_connections
from gateway.events.log import EventLog
from gateway.events.pg_log import PgEventLog
from gateway.events.service import LOG_FILE
from gateway.events.sqlite_log import SqliteEventLog
from gateway.export import FORMATS, Target, export
from gateway.progress import Progress
from gateway.walk import INTERRUPTED_EXIT, KINDS, progress_for, stop_on_sigint
from platforms.adapter import PlatformClient
from platforms.errors import CartgraphError, ConfigError
from platforms.registry import get_spec


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `backfill` and `export`."""
    back = sub.add_parser(
        "backfill",
        help="record a store's orders updated since a time as events (checkpointed: run it"
        " again after Ctrl-C to resume)",
    )
    _common(back)
    out = sub.add_parser(
        "export", help="write a store's orders, products or customers since a time to a file"
    )
    out.add_argument("kind", choices=KINDS)
    _common(out)
    out.add_argument("--format", choices=FORMATS, default="jsonl")
    out.add_argument(
        "--output",
        default=None,
        help="the file (default: <kind>-<store>.<format>); its"
        " .checkpoint beside it resumes an interrupted export",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="path to cartgraph.toml")
    parser.add_argument("--store", required=True, help="the store's id")
    parser.add_argument(
        "--since", required=True, type=_instant, help="ISO 8601 time (UTC when no offset)"
    )
    parser.add_argument(
        "--page-size", type=int, default=None, help="items a call (default: the platform's most)"
    )


def run(args: argparse.Namespace) -> int:
    """0 when complete, 130 when stopped by Ctrl-C (resumable), 1 on an upstream error."""
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:  # the second Ctrl-C: the last stored page is the checkpoint
        print(f"{args.command}: stopped at once; run the same command again to resume")
        return INTERRUPTED_EXIT


async def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    found = [c for c in store_connections(config) if c.store_id == args.store]
    if not found:
        raise ConfigError(f"no store {args.store!r} in {args.config}")
    client = get_spec(found[0].platform).create_client(found[0], None)
    page_size = min(args.page_size or client.max_page_size, client.max_page_size)
    try:
        if args.command == "backfill":
            label = f"backfill {args.store} orders"
            progress = progress_for(label, client, page_size)
            async with _event_log(config_path=args.config) as event_log:
                work = _backfill(client, event_log, args, page_size, progress)
                return await _guarded(progress, work, "new events")
        label = f"export {args.store} {args.kind}"
        progress = progress_for(label, client, page_size)
        path = Path(args.output or f"{args.kind}-{args.store}.{args.format}")
        target = Target(path, args.kind, args.format)
        work = _export(client, target, args, page_size, progress)
        return await _guarded(progress, work, f"written to {path}")
    finally:
        await client.aclose()


async def _backfill(
    client: PlatformClient, log: EventLog, args: argparse.Namespace, size: int, bar: Progress
) -> Outcome:
    with stop_on_sigint() as stop:
        return await backfill(client, log, args.since, page_size=size, progress=bar, stop=stop)


async def _export(
    client: PlatformClient, target: Target, args: argparse.Namespace, size: int, bar: Progress
) -> Outcome:
    with stop_on_sigint() as stop:
        return await export(client, target, args.since, page_size=size, progress=bar, stop=stop)


async def _guarded(progress: Progress, work: Coroutine[Any, Any, Outcome], noun: str) -> int:
    """Run the walk; print its one-line summary however it ends."""
    try:
        outcome = await work
    except CartgraphError as exc:  # names store, platform and status; never a body or token
        print(progress.summary(f"failed ({exc}); run again to resume"))
        return 1
    if outcome.finished:
        extra = f", {outcome.skipped} unmappable skipped" if outcome.skipped else ""
        print(progress.summary(f"complete, {outcome.appended:,} {noun}{extra}"))
        return 0
    print(progress.summary("interrupted; run the same command again to resume"))
    return INTERRUPTED_EXIT


@contextlib.asynccontextmanager
async def _event_log(config_path: str) -> AsyncIterator[EventLog]:
    config = load_config(config_path)
    url = storage_url(config)
    event_log = PgEventLog(url) if url else _sqlite_log(Path(config.gateway.data_dir))
    try:
        yield event_log
    finally:
        await event_log.aclose()


def _sqlite_log(data_dir: Path) -> EventLog:
    data_dir.mkdir(parents=True, exist_ok=True)  # a first run on a fresh machine
    return SqliteEventLog(data_dir / LOG_FILE)
