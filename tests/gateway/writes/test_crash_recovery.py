"""A real `cartgraph serve` process is SIGKILLed mid-batch and restarted on the same data dir:
every accepted write is applied exactly once (the sandbox's own log and stock prove it)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp

from gateway.server import free_port
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, ShopifySandbox
from tests.gateway.writes.conftest import WriteGateway, first_stock
from tests.helpers.auth import AUTH_HEADERS
from tests.helpers.postgres import Backend
from tests.helpers.procs import gateway_process, write_config

TOKEN_ENV = "CARTGRAPH_TEST_SHOP_TOKEN"
ITEMS = 10  # distinct resources: each gets two adjustments (+1 then +2)
TIMEOUT = 3  # seconds; the first run is killed well before a held write times out
ADJUST = """
mutation($input: AdjustInventoryInput!, $key: String) {
  adjustInventory(input: $input, idempotencyKey: $key, wait: false) {
    __typename ... on WriteQueued { operation { id } } } }"""
COUNT = """
query($s: WriteOperationStatus) { writeOperations(storeId: "shop-a", status: $s, first: 1) {
  totalCount } }"""


def _config(tmp: Path, sandbox_url: str, port: int, backend: Backend) -> Path:
    return write_config(
        tmp,
        port,
        f"""{backend.toml()}
[[stores]]
id = "shop-a"
platform = "shopify"
url = "{sandbox_url}"
api_version = "2025-07"
poll_interval_seconds = 0
inventory_poll_interval_seconds = 0
credentials = {{ access_token = "env:{TOKEN_ENV}" }}
rate_limit = {{ capacity = 1000, leak_per_second = 1000 }}
# a killed worker's in-doubt writes are re-checked once the store can no longer apply them:
# {TIMEOUT} s + 0.2 s after they were sent (kept short for the test)
timeout_seconds = {TIMEOUT}
write_timeout_seconds = 0.2
""",
    )


async def _count(gw: WriteGateway, status: str | None) -> int:
    data = await gw.data(COUNT, {"s": status})
    return int(data["writeOperations"]["totalCount"])


async def test_sigkill_mid_batch_then_restart_applies_each_write_once(
    tmp_path: Path, backend: Backend
) -> None:
    sandbox = ShopifySandbox(seed=3, orders=20, products=12, bucket=None)
    stocks = [first_stock(sandbox, "shop-a", n) for n in range(ITEMS)]
    before = {s["key"]: s["available"] for s in stocks}
    async with serve(sandbox.app) as url, aiohttp.ClientSession(headers=AUTH_HEADERS) as session:
        port = free_port()
        config = _config(tmp_path, url, port, backend)
        gw = WriteGateway(f"http://127.0.0.1:{port}", session)
        sandbox.writes.hold = asyncio.Event()  # applied writes get no answer until released
        async with gateway_process(config, port, {TOKEN_ENV: DEFAULT_TOKEN}) as proc:
            accepted = await _submit_batch(gw, stocks)
            # every item's first write is applied upstream, none answered: the worker dies
            # between "the platform did it" and "the worker recorded it".
            await sandbox.writes.wait_for("adjust:", ITEMS)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        assert len(sandbox.writes.applied) == ITEMS
        sandbox.writes.hold.set()
        async with gateway_process(config, port, {TOKEN_ENV: DEFAULT_TOKEN}):
            while await _count(gw, "SUCCEEDED") < len(accepted):
                assert await _count(gw, "QUARANTINED") == 0
                await asyncio.sleep(0.05)
            assert await _count(gw, None) == len(accepted)
    for stock in stocks:
        key = f"adjust:{stock['item']}:{stock['location']}"
        assert sandbox.writes.applied.count(key) == 2, key  # none lost, none doubled
        assert sandbox.state.inventory_levels[stock["key"]]["available"] == before[stock["key"]] + 3
    assert len(sandbox.writes.applied) == 2 * ITEMS


async def _submit_batch(gw: WriteGateway, stocks: list[dict[str, Any]]) -> list[str]:
    accepted = []
    for delta in (1, 2):
        for n, stock in enumerate(stocks):
            variables = {
                "input": {
                    "variantId": stock["variantId"],
                    "locationId": stock["locationId"],
                    "delta": delta,
                },
                "key": f"batch-{n}-{delta}",
            }
            result = (await gw.data(ADJUST, variables))["adjustInventory"]
            assert result["__typename"] == "WriteQueued", result
            accepted.append(result["operation"]["id"])
    return accepted
