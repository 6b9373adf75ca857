"""`cartgraph backfill` and `cartgraph export`: the real CLI in a child process against a
sandbox over a real socket, stopped with SIGINT mid-way and resumed without duplicates."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from gateway.events.log import EventFilter
from gateway.events.sqlite_log import SqliteEventLog
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

SINCE = "2026-03-01T00:00:00Z"
# 10 a page at 10 calls/s after a 2-call burst: ~2 s for the whole walk, time to interrupt
CONFIG = """[gateway]
data_dir = "{data}"

[[stores]]
id = "shop"
platform = "shopify"
url = "{url}"
credentials = {{ access_token = "env:CG_BACKFILL_TOKEN" }}
options = {{ api = "rest" }}
rate_limit = {{ capacity = 2, leak_per_second = 10 }}
poll_interval_seconds = 0
"""


@dataclass
class Store:
    config: Path
    data: Path
    expected: set[str]  # external ids of the orders updated since SINCE
    env: dict[str, str]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    sandbox = ShopifySandbox(seed=1, orders=300, products=40, bucket=None)
    since = datetime.fromisoformat(SINCE)
    expected = {
        str(o["id"])
        for o in sandbox.state.orders
        if datetime.fromisoformat(o["updated_at"]) >= since
    }
    async with serve(sandbox.app) as url:
        data = tmp_path / "data"
        config = tmp_path / "cartgraph.toml"
        config.write_text(CONFIG.format(data=data, url=url))
        token = sandbox.connection("shop", url).credentials["access_token"]
        yield Store(config, data, expected, {**os.environ, "CG_BACKFILL_TOKEN": token})


async def _start(store: Store, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        *args,
        "--config",
        str(store.config),
        "--store",
        "shop",
        "--since",
        SINCE,
        "--page-size",
        "10",
        env=store.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _interrupted(store: Store, *args: str) -> str:
    """Start the command, SIGINT it once its progress shows 30 items, return its summary."""
    proc = await _start(store, *args)
    assert proc.stderr is not None and proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
        assert line, "the command ended before it could be interrupted"
        assert "ETA" in line and "calls" in line, line  # the progress bar
        if int(line.split("] ")[1].split("/")[0].replace(",", "")) >= 30:
            break
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 130, out
    return out.decode()


async def _completed(store: Store, *args: str) -> str:
    proc = await _start(store, *args)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, (out, err)
    return out.decode()


async def test_backfill_stops_on_sigint_and_resumes_without_duplicates(store: Store) -> None:
    summary = await _interrupted(store, "backfill")
    assert "backfill shop orders: interrupted; run the same command again to resume" in summary
    log = SqliteEventLog(store.data / "events.sqlite3")
    try:
        first = await log.read_after(0, EventFilter(), limit=10_000)
        assert 30 <= len({e.object_id for e in first}) < len(store.expected)
        summary = await _completed(store, "backfill")
        resumed = rf"complete, [\d,]+ new events: {len(store.expected)} \(\d+ this run\) in "
        assert re.search(resumed, summary), summary
        events = await log.read_after(0, EventFilter(), limit=10_000)
        assert {e.object_id for e in events} == store.expected  # every order
        # once: one version per order, and each of its transitions once
        assert len({(e.object_id, e.version) for e in events}) == len(store.expected)
        assert max(Counter((e.object_id, e.type) for e in events).values()) == 1
        again = await _completed(store, "backfill")  # already complete: nothing new
        assert "complete, 0 new events" in again
        assert len(await log.read_after(0, EventFilter(), limit=10_000)) == len(events)
    finally:
        await log.aclose()


async def test_export_jsonl_resumes_after_sigint_without_duplicates(store: Store) -> None:
    output = store.config.parent / "orders.jsonl"
    args = ("export", "orders", "--format", "jsonl", "--output", str(output))
    assert "interrupted" in await _interrupted(store, *args)
    partial = output.read_bytes().splitlines()
    assert 30 <= len(partial) < len(store.expected)
    summary = await _completed(store, *args)
    assert f"written to {output}" in summary
    ids = [orjson.loads(line)["external_id"] for line in output.read_bytes().splitlines()]
    assert len(ids) == len(set(ids)) and set(ids) == store.expected


async def test_export_csv_has_one_header_and_every_row(store: Store) -> None:
    output = store.config.parent / "orders.csv"
    await _completed(store, "export", "orders", "--format", "csv", "--output", str(output))
    with output.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["external_id"] for r in rows} == store.expected
    assert len(rows) == len(store.expected)
    assert rows[0]["total_price.amount"] and "raw" not in rows[0]
