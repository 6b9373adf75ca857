"""`/status`: access like /metrics, per store health, lag, budget chart and writes, rendered
server-side; and the page as headless Chromium shows it (the shell loads it with the key)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from gateway.app import create_app
from gateway.auth.keys import KeyStore
from gateway.auth.principal import Scope
from gateway.events.service import EventService
from gateway.server import running
from gateway.statuspage.snapshot import BudgetHistory
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.telemetry.hub import Telemetry
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from tests.helpers.auth import TEST_KEY, admin_gate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ORDERS = "{ orders(first: 1) { edges { node { number } } } }"


@dataclass
class Site:
    url: str
    reader: str  # a key without the admin scope
    app_state: object


@contextlib.asynccontextmanager
async def site(tmp_path: Path, access: str = "admin") -> AsyncIterator[Site]:
    """A gateway over a healthy Shopify store and a WooCommerce store with a wrong secret."""
    shop, woo = ShopifySandbox(seed=1, orders=20, products=10, bucket=None), WooCommerceSandbox()
    async with serve(shop.app) as shop_url, serve(woo.app) as woo_url:
        broken = woo.connection("woo-broken", woo_url)
        wrong = {**broken.credentials, "consumer_secret": "cs_wrong"}
        connections = [
            shop.connection("shop", shop_url),
            dataclasses.replace(broken, credentials=wrong, max_attempts=1),
        ]
        registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
        polls = dict.fromkeys(registry.store_ids, 0.0)
        events = EventService.open(
            registry, tmp_path, poll_intervals=polls, inventory_poll_intervals=polls
        )
        keys = KeyStore(None)
        _, reader = keys.create("reader", None, {Scope.READ})
        telemetry = Telemetry(metrics_access="off", status_access=access)  # type: ignore[arg-type]
        app = create_app(registry, events=events, auth=admin_gate(keys), telemetry=telemetry)
        async with running(app) as url:
            yield Site(url, reader, app.state)


async def _get(url: str, key: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        return resp.status, await resp.text()


async def _query_everything(url: str) -> None:
    """One query over both stores: the broken one fails (and says so on the page)."""
    headers = {"Authorization": f"Bearer {TEST_KEY}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(f"{url}/graphql", json={"query": ORDERS}) as resp,
    ):
        assert resp.status == 200


async def test_status_needs_an_admin_key_and_shows_each_store(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status, body = await _get(f"{s.url}/status", None)
        assert status == 401 and "needs an API key with the admin scope" in body
        assert "<table" not in body  # the shell holds no data
        status, body = await _get(f"{s.url}/status", s.reader)
        assert status == 403 and "lacks the admin scope" in body
        await _query_everything(s.url)
        history: BudgetHistory = s.app_state.status.history  # type: ignore[attr-defined]
        history.sample()  # what the background sampler does every few seconds
        status, body = await _get(f"{s.url}/status", TEST_KEY)
        assert status == 200
        shop = _row(body, "shop")
        assert 'class="up"' in shop and "<svg class=budget" in shop and "peak" in shop
        broken = _row(body, "woo-broken")
        assert 'class="down"' in broken and "AUTHENTICATION_FAILED: 1" in broken
        assert re.search(r"<td class=num>\d+</td>", shop)  # pending writes
        # self-contained: no external scripts, styles, images or fonts
        assert not re.search(r"(src|href)=|<link|@import|url\(", body)


async def test_status_public_refreshes_itself_and_off_is_absent(tmp_path: Path) -> None:
    async with site(tmp_path, access="public") as s:
        status, body = await _get(f"{s.url}/status", None)
        assert status == 200 and '<meta http-equiv="refresh" content="10">' in body
    async with site(tmp_path, access="off") as s:
        status, _ = await _get(f"{s.url}/status", TEST_KEY)
        assert status == 404


def _row(body: str, store: str) -> str:
    found = re.search(rf'<tr data-store="{store}">(.*?)</tr>', body, re.S)
    assert found, f"no row for {store}"
    return found.group(1)


def _need_chromium() -> str:
    if CHROMIUM:
        return CHROMIUM
    reason = "Debian's chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser test")
    pytest.skip(reason)  # listed with its reason in the run's summary (-ra)


async def chromium(*args: str) -> str:
    """Run headless Chromium; its stdout (the DOM with --dump-dom)."""
    proc = await asyncio.create_subprocess_exec(
        _need_chromium(),
        "--headless",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--no-first-run",
        "--virtual-time-budget=5000",  # let the shell's fetch finish before the dump
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return out.decode()


async def test_chromium_loads_the_page_with_the_key_from_the_url(tmp_path: Path) -> None:
    _need_chromium()
    async with site(tmp_path) as s:
        await _query_everything(s.url)
        s.app_state.status.history.sample()  # type: ignore[attr-defined]
        dom = await chromium("--dump-dom", f"{s.url}/status#key={TEST_KEY}")
        assert "<h1>cartgraph status</h1>" in dom
        assert 'data-store="shop"' in dom and 'data-store="woo-broken"' in dom
        assert "<svg" in dom and "AUTHENTICATION_FAILED" in dom
        assert TEST_KEY not in dom  # the key left the address bar and the page
        wrong = await chromium("--dump-dom", f"{s.url}/status#key=cg_wrong")
        assert "refused: HTTP 401" in wrong and "data-store" not in wrong


def test_budget_chart_points_are_the_share_of_the_leak_rate_used() -> None:
    from types import SimpleNamespace

    from gateway.statuspage.render import chart
    from platforms.adapter import RateLimitSettings

    bucket = SimpleNamespace(settings=RateLimitSettings(40, 2))  # says no level: share only
    client = SimpleNamespace(transport=SimpleNamespace(bucket=bucket), calls=0)
    handle = SimpleNamespace(connection=SimpleNamespace(store_id="shop"), client=client)
    registry = SimpleNamespace(store_ids=["shop"], handles=lambda: [handle])
    now = [100.0]
    history = BudgetHistory(registry, clock=lambda: now[0])  # type: ignore[arg-type]
    history.sample()  # the first point only sets where counting starts
    client.calls, now[0] = 5, 105.0  # 5 calls in 5 s against 2/s: half the budget
    history.sample()
    client.calls, now[0] = 25, 110.0  # 20 calls in 5 s: over it, drawn as full
    history.sample()
    assert history.series("shop") == [(5.0, 0.5), (0.0, 1.0)]
    drawn = chart(history.series("shop"))
    assert "peak 100% · now 100%" in drawn and 'stroke="#b42318"' in drawn
