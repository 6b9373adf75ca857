"""`cartgraph webhooks sync` end to end: the real CLI against sandboxes over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.events.log import EventFilter
from gateway.events.service import EventService
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import StoreConnection
from platforms.events import EventSource
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import APP_SECRET, ShopifySandbox
from platforms.shopify.webhooks import TOPICS as SHOPIFY_TOPICS
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from platforms.woocommerce.subscriptions import TOPICS as WOO_TOPICS
from tests.helpers.auth import admin_gate

WOO_SECRET = "whsec_woo_0123456789"
WAIT = 20.0
SHOP, WOO = len(SHOPIFY_TOPICS), len(WOO_TOPICS)  # every topic the gateway maps


@dataclass
class World:
    gateway_url: str
    config: Path
    env: dict[str, str]
    service: EventService
    sandboxes: dict[str, Any]
    bases: dict[str, str]


def _toml(connections: list[StoreConnection], public_url: str, env: dict[str, str]) -> str:
    lines = [f'[gateway]\npublic_url = "{public_url}"\ndata_dir = ".unused"\n']
    for n, conn in enumerate(connections):
        refs = []
        for key, value in conn.credentials.items():
            env[f"CG_T_{n}_{key.upper()}"] = value  # secrets only by reference, as in production
            refs.append(f'{key} = "env:CG_T_{n}_{key.upper()}"')
        lines.append(
            f'[[stores]]\nid = "{conn.store_id}"\nplatform = "{conn.platform.value}"\n'
            f'url = "{conn.base_url}"\ncredentials = {{ {", ".join(refs)} }}\n'
        )
        if conn.options:
            options = ", ".join(f'{k} = "{v}"' for k, v in conn.options.items())
            lines.append(f"options = {{ {options} }}\n")
    return "\n".join(lines)


def _secret(conn: StoreConnection, secret: str) -> StoreConnection:
    return dataclasses.replace(conn, credentials={**conn.credentials, "webhook_secret": secret})


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    sandboxes = {
        "shop-rest": ShopifySandbox(seed=1, orders=20, products=10, bucket=None),
        "shop-gql": ShopifySandbox(seed=2, orders=20, products=10, bucket=None),
        "woo": WooCommerceSandbox(seed=1, orders=20, products=10),
        "mage": MagentoSandbox(seed=1, orders=20, products=10),
    }
    secrets = {"shop-rest": APP_SECRET, "shop-gql": APP_SECRET, "woo": WOO_SECRET}
    async with contextlib.AsyncExitStack() as stack:
        bases, connections = {}, []
        for store_id, sandbox in sandboxes.items():
            bases[store_id] = await stack.enter_async_context(serve(sandbox.app))
            conn = sandbox.connection(store_id, bases[store_id])
            if store_id.startswith("shop-"):  # one store of each Shopify API
                api = "graphql" if store_id == "shop-gql" else "rest"
                conn = dataclasses.replace(conn, options={"api": api})
            connections.append(_secret(conn, secrets[store_id]) if store_id in secrets else conn)
        registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
        polls = dict.fromkeys(sandboxes, 0.0)  # events only from webhooks
        service = EventService.open(
            registry, tmp_path / "data", poll_intervals=polls, inventory_poll_intervals=polls
        )
        app = create_app(registry, events=service, auth=admin_gate())
        url = await stack.enter_async_context(running(app))
        env: dict[str, str] = {}
        config = tmp_path / "cartgraph.toml"
        config.write_text(_toml(connections, url, env))
        yield World(url, config, env, service, sandboxes, bases)


async def _cli(world: World, *args: str) -> tuple[int, str]:
    """The installed entry point in a child process (the test's loop keeps serving)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        *args,
        env={**os.environ, **world.env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def _webhook_event(world: World, store_id: str) -> None:
    """Wait for an event from a webhook (polling is off) of `store_id`."""
    only = EventFilter(store_ids=frozenset({store_id}))
    for _ in range(int(WAIT / 0.1)):
        events = await world.service.log.read_after(0, only)
        if any(e.source is EventSource.WEBHOOK for e in events):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no webhook event from {store_id}")


async def test_sync_subscribes_repairs_and_deliveries_arrive_signed(world: World) -> None:
    config = str(world.config)
    code, out = await _cli(world, "webhooks", "sync", "--config", config)
    assert code == 0, out
    shop = world.sandboxes["shop-rest"].subscriptions
    woo = world.sandboxes["woo"].subscriptions
    address = f"{world.gateway_url}/webhooks/shop-rest"
    assert f"shop-rest (Shopify): {SHOP} created, 0 repaired, 0 unchanged -> {address}" in out
    assert f"shop-gql (Shopify): {SHOP} created" in out
    assert f"woo (WooCommerce): {WOO} created" in out
    assert "mage (Magento 2 / Adobe Commerce): skipped: Magento Open Source sends no" in out
    assert {s.address for s in shop.items.values()} == {f"{world.gateway_url}/webhooks/shop-rest"}
    assert {s.secret for s in woo.items.values()} == {WOO_SECRET}  # signed with the store's
    # the GraphQL store subscribed through Admin GraphQL, not REST
    assert world.sandboxes["shop-gql"].graphql.fields["mutation webhookSubscriptionCreate"] == SHOP

    # idempotent: the second run changes nothing
    code, again = await _cli(world, "webhooks", "sync", "--config", config)
    assert code == 0 and again.count("0 created, 0 repaired") == 3, again
    assert len(shop.items) == SHOP and len(woo.items) == WOO

    # repair: a subscription moved away (old URL) or paused is put back, not duplicated
    moved = next(iter(shop.items.values()))
    moved.address = "https://old.example/webhooks/shop-rest"
    gql = world.sandboxes["shop-gql"].subscriptions
    moved_gql = next(iter(gql.items.values()))
    moved_gql.address = "https://old.example/webhooks/shop-gql"
    paused = next(iter(woo.items.values()))
    paused.active = False
    code, fixed = await _cli(world, "webhooks", "sync", "--config", config, "--store", "woo")
    assert f"woo (WooCommerce): 0 created, 1 repaired, {WOO - 1} unchanged" in fixed
    assert "shop-rest" not in fixed
    code, fixed = await _cli(world, "webhooks", "sync", "--config", config)
    assert f"shop-rest (Shopify): 0 created, 1 repaired, {SHOP - 1} unchanged" in fixed
    assert f"repaired {moved.topic}" in fixed
    assert f"shop-gql (Shopify): 0 created, 1 repaired, {SHOP - 1} unchanged" in fixed
    assert world.sandboxes["shop-gql"].graphql.fields["mutation webhookSubscriptionUpdate"] == 1
    assert moved_gql.address == f"{world.gateway_url}/webhooks/shop-gql"
    assert moved.address.startswith(world.gateway_url) and paused.active
    assert len(shop.items) == SHOP and len(woo.items) == WOO

    # a storefront order is delivered to what was registered, signed, and becomes an event
    async with aiohttp.ClientSession() as http:
        for store_id in ("shop-rest", "shop-gql", "woo"):
            async with http.post(f"{world.bases[store_id]}/_sandbox/orders", json={}) as resp:
                assert resp.status < 300
    for store_id in ("shop-rest", "shop-gql", "woo"):
        await _webhook_event(world, store_id)


async def test_sync_needs_public_url(world: World) -> None:
    text = world.config.read_text().replace(f'public_url = "{world.gateway_url}"\n', "")
    world.config.write_text(text)
    code, out = await _cli(world, "webhooks", "sync", "--config", str(world.config))
    assert code == 2 and "gateway.public_url is not set" in out


async def test_a_store_that_cannot_be_synced_fails_by_name_and_the_rest_go_on(world: World) -> None:
    text = world.config.read_text()
    ref = ', webhook_secret = "env:CG_T_2_WEBHOOK_SECRET"'  # the WooCommerce store's (third)
    assert ref in text
    world.config.write_text(text.replace(ref, ""))
    code, out = await _cli(world, "webhooks", "sync", "--config", str(world.config))
    assert code == 1, out
    assert (
        "woo (WooCommerce): failed: store 'woo': WooCommerce webhooks need a webhook_secret" in out
    )
    assert f"shop-rest (Shopify): {SHOP} created" in out  # the others were still synced
    assert WOO_SECRET not in out and "shpat_" not in out  # no secret in what it prints
