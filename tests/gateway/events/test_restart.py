"""Acceptance 4: kill -9 and restart loses no acknowledged webhook and repeats nothing."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson

from gateway.server import free_port
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from resolvers.subscriptions import encode_cursor
from tests.gateway.events.conftest import (
    ORDER_EVENTS,
    SECRET,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
    until,
)
from tests.helpers.auth import AUTH_HEADERS
from tests.helpers.postgres import Backend
from tests.helpers.procs import gateway_process, write_config


def _config(tmp: Path, port: int, sandbox_url: str, backend: Backend) -> Path:
    return write_config(
        tmp,
        port,
        f"""{backend.toml()}
[[stores]]
id = "shop"
platform = "shopify"
url = "{sandbox_url}"
credentials = {{ access_token = "env:CG_TEST_TOKEN", webhook_secret = "env:CG_TEST_WHSEC" }}
poll_interval_seconds = 0  # webhooks only: every event below comes from a stored receipt
inventory_poll_interval_seconds = 0
""",
    )


def _unprocessed(backend: Backend, data_dir: Path) -> int:
    [(count,)] = backend.rows(data_dir, "SELECT COUNT(*) FROM receipts WHERE NOT processed")
    return int(count)


async def test_sigkill_and_restart_loses_nothing_and_repeats_nothing(
    tmp_path: Path, backend: Backend
) -> None:
    sandbox = ShopifySandbox(seed=1, orders=40, products=20, bucket=None)
    port = free_port()
    ws_url = f"ws://127.0.0.1:{port}/graphql"
    token = sandbox.connection("shop", "http://x").credentials["access_token"]
    env = {"CG_TEST_TOKEN": token, "CG_TEST_WHSEC": SECRET}
    async with serve(sandbox.app) as base, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
        config = _config(tmp_path, port, base, backend)
        sender = sandbox.webhooks.sender

        async def place() -> str:
            async with http.post(f"{base}/_sandbox/orders", json={}) as resp:
                return placed_id(await resp.json())

        async with http.post(
            f"{base}/_sandbox/webhooks",
            json={"url": f"http://127.0.0.1:{port}/webhooks/shop", "secret": SECRET},
        ) as resp:
            assert resp.status == 200

        async with gateway_process(config, port, env) as proc:
            async with subscription(ws_url, ORDER_EVENTS, {"after": encode_cursor(0)}) as stream:
                first = [await place() for _ in range(3)]
                seen = [r["orderEvents"] for r in await take(stream, 3)]
            cursor = seen[-1]["cursor"]
            # three more, acknowledged (202: stored durably) and then kill -9 at once
            second = [await place() for _ in range(3)]
            await until(
                lambda: len(sender.records) == 6 and all(r.statuses for r in sender.records)
            )
            assert all(r.statuses == [202] for r in sender.records)
            proc.kill()
            await proc.wait()
        # two more while the gateway is down: the platform keeps retrying its deliveries
        third = [await place() for _ in range(2)]

        async with gateway_process(config, port, env):
            async with subscription(ws_url, ORDER_EVENTS, {"after": cursor}) as stream:
                resumed = [r["orderEvents"] for r in await take(stream, 5)]
                await sender.drain()
                assert await quiet(stream) == []
            assert _unprocessed(backend, tmp_path / "data") == 0

    # the sandbox, like Shopify, sends each delivery on its own: orders may arrive in any order
    assert sorted(e["order"]["externalId"] for e in seen) == sorted(first)
    assert sorted(e["order"]["externalId"] for e in resumed) == sorted(second + third)
    assert {e["id"] for e in resumed}.isdisjoint(e["id"] for e in seen)
    assert all(e["type"] == "ORDER_CREATED" for e in seen + resumed)


async def test_receipts_left_unprocessed_are_processed_on_start(
    start_feed: StartFeed, tmp_path: Path, backend: Backend
) -> None:
    # what a crash between the 202 and processing leaves behind: a stored receipt only
    order = ShopifySandbox(seed=1, orders=40, products=20).state.orders[3]
    body = orjson.dumps(order)
    log = backend.event_log(tmp_path / "data")
    headers = {
        "x-shopify-topic": "orders/updated",
        "x-shopify-webhook-id": "0b7c2f6e-7d59-4a43-9d77-2d2a3c1c6c11",
        "x-shopify-shop-domain": "sandbox-outfitters.myshopify.com",
        "x-shopify-api-version": "2025-07",
        "x-shopify-hmac-sha256": "stored-after-verification",
    }
    assert await log.store_receipt(
        "s1", headers["x-shopify-webhook-id"], "orders/updated", headers, body
    )
    await log.aclose()

    feed = await start_feed({"s1": "shopify"})
    async with subscription(feed.ws_url, ORDER_EVENTS, {"after": encode_cursor(0)}) as stream:
        [result] = await take(stream, 1)
    event = result["orderEvents"]
    assert event["order"]["externalId"] == str(order["id"])
    assert event["source"] == "WEBHOOK"
