"""`cartgraph demo`: the printed curl line places an order that a subscription receives."""

from __future__ import annotations

import os
import re
from pathlib import Path

import aiohttp

from gateway.server import free_port
from platforms.registry import all_specs
from resolvers.subscriptions import encode_cursor
from tests.gateway.events.conftest import ORDER_EVENTS, subscription, take
from tests.helpers.procs import demo_process


async def test_demo_order_shows_up_in_subscription(tmp_path: Path) -> None:
    port = free_port()
    async with demo_process(tmp_path, port, "Ctrl+C stops the demo.") as (proc, banner):
        assert "subscription {" in banner and "orderEvents" in banner
        urls = dict(re.findall(r"(demo-\w+)\s+\([^)]*\): curl -X POST (\S+)", banner))
        assert set(urls) == {f"demo-{spec.platform.value}" for spec in all_specs()}
        ws = f"ws://127.0.0.1:{port}/graphql"
        key = re.search(r"#key=(cg_\S+)", banner).group(1)  # type: ignore[union-attr]
        auth = {"Authorization": f"Bearer {key}"}
        async with subscription(
            ws, ORDER_EVENTS, {"after": encode_cursor(0)}, init_payload=auth
        ) as stream:
            async with aiohttp.ClientSession() as http:
                for store in ("demo-shopify", "demo-woocommerce"):  # the two that send webhooks
                    async with http.post(urls[store], data="{}") as resp:
                        assert resp.status == 201
            events = [r["orderEvents"] for r in await take(stream, 2)]
        assert sorted(e["storeId"] for e in events) == ["demo-shopify", "demo-woocommerce"]
        assert {e["type"] for e in events} == {"ORDER_CREATED"}
        assert os.listdir(tmp_path) == []  # the event log lives in a temp dir
    assert proc.returncode == 0
