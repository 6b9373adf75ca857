"""`cartgraph demo`: the printed curl line places an order that a subscription receives."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from gateway.server import free_port
from resolvers.subscriptions import encode_cursor
from tests.gateway.events.conftest import ORDER_EVENTS, subscription, take

ROOT = Path(__file__).parents[3]


async def test_demo_order_shows_up_in_subscription(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "demo",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        banner = ""
        assert proc.stdout is not None
        while "Ctrl+C stops the demo." not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
            assert line, f"demo exited early: {banner}"
            banner += line.decode()
        assert "subscription {" in banner and "orderEvents" in banner
        urls = dict(re.findall(r"(demo-\w+)\s+\([^)]*\): curl -X POST (\S+)", banner))
        assert set(urls) == {"demo-shopify", "demo-woocommerce", "demo-magento"}
        ws = f"ws://127.0.0.1:{port}/graphql"
        async with subscription(ws, ORDER_EVENTS, {"after": encode_cursor(0)}) as stream:
            async with aiohttp.ClientSession() as http:
                for store in ("demo-shopify", "demo-woocommerce"):  # the two that send webhooks
                    async with http.post(urls[store], data="{}") as resp:
                        assert resp.status == 201
            events = [r["orderEvents"] for r in await take(stream, 2)]
        assert sorted(e["storeId"] for e in events) == ["demo-shopify", "demo-woocommerce"]
        assert {e["type"] for e in events} == {"ORDER_CREATED"}
        assert os.listdir(tmp_path) == []  # the event log lives in a temp dir
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), timeout=20)
    assert proc.returncode == 0
