"""#14 item 5: `cartgraph backfill` of more orders than the store's `bulk_above` reads them
with one bulk query (JSONL), not pages, and records the same events as the paged walk."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.events.log import EventFilter
from gateway.events.sqlite_log import SqliteEventLog
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

SINCE = "2026-03-01T00:00:00Z"
STORE = """
[[stores]]
id = "{id}"
platform = "shopify"
url = "{url}"
credentials = {{ access_token = "env:CG_BACKFILL_TOKEN" }}
options = {{ api = "graphql", bulk_above = "{above}" }}
poll_interval_seconds = 0
"""


async def _backfill(config: Path, store: str, env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "backfill", "--config", str(config),
        "--store", store, "--since", SINCE, "--page-size", "50", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, (out, err)
    return out.decode()


def _orders(events: list[Any], store: str) -> dict[str, dict[str, Any]]:
    """The recorded orders of a store by id, without what names the store."""
    found = {}
    for event in events:
        if event.store_id == store:
            order = event.order().model_dump(mode="json", exclude={"raw", "store_id"})
            found[event.object_id.rsplit(":", 1)[-1]] = order
    return found


async def test_a_large_backfill_is_one_bulk_query(tmp_path: Path) -> None:
    sandbox = ShopifySandbox(seed=1, orders=300, products=40, bucket=None)
    since = datetime.fromisoformat(SINCE)
    expected = {
        str(o["id"])
        for o in sandbox.state.orders
        if datetime.fromisoformat(o["updated_at"]) >= since
    }
    async with serve(sandbox.app) as url:
        data = tmp_path / "data"
        stores = STORE.format(id="bulk", url=url, above=50) + STORE.format(
            id="paged", url=url, above="off"
        )
        config = tmp_path / "cartgraph.toml"
        config.write_text(f'[gateway]\ndata_dir = "{data}"\n{stores}')
        token = sandbox.connection("shop", url).credentials["access_token"]
        env = {**os.environ, "CG_BACKFILL_TOKEN": token}
        summary = await _backfill(config, "bulk", env)
        by_bulk = dict(sandbox.graphql.fields)
        sandbox.graphql.fields.clear()
        await _backfill(config, "paged", env)
        by_pages = dict(sandbox.graphql.fields)
    assert f"{len(expected):,} in " in summary, summary
    assert by_bulk["mutation bulkOperationRunQuery"] == 1 and by_bulk["query ordersCount"] == 1
    assert "query orders" not in by_bulk  # no pages
    assert by_pages["query orders"] > 1 and "mutation bulkOperationRunQuery" not in by_pages
    log = SqliteEventLog(data / "events.sqlite3")
    try:
        events = await log.read_after(0, EventFilter(), limit=10_000)
    finally:
        await log.aclose()
    bulk, paged = _orders(events, "bulk"), _orders(events, "paged")
    assert set(bulk) == expected == set(paged)
    assert bulk == paged  # the same orders, field for field
