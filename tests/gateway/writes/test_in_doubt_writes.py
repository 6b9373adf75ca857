"""Writes whose outcome the gateway cannot see (issue 12): applied then dropped, refused as a
replayed nonce, applied after the gateway gave up. Each is reconciled, never doubled, never
quarantined as not applied, and never overwrites the resource's next write."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from platforms.ids import Kind, encode_id
from platforms.registry import PlatformSpec, all_specs
from platforms.sandbox.kit import Sandbox, serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.woocommerce.sandbox.app import WooCommerceSandbox, wp_error
from platforms.woocommerce.sandbox.auth import AuthFailure
from tests.gateway.writes.conftest import StartWrites, WriteGateway, first_stock
from tests.helpers.write_faults import Handler, LateApply, apply_then_drop, on_next_writes

STATUS = """query($id: ID!) { writeOperation(id: $id) { status attempts lastError { code } } }"""
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input, wait: false) {
  __typename ... on WriteQueued { operation { id } } } }"""
SET = """mutation($input: SetInventoryInput!) { setInventory(input: $input, wait: false) {
  __typename ... on WriteQueued { operation { id } } } }"""
LEVEL = """query($v: [ID!]!, $l: [ID!]) {
  inventoryLevels(variantIds: $v, locationIds: $l) { available } }"""
# the gateway gives up after TIMEOUT; the store applies the write LATE after receiving it,
# well inside the store's write timeout, which is how long an in-doubt write is left to settle.
TIMEOUT, LATE, WRITE_TIMEOUT = 0.4, 0.8, 1.2


def _stocked(sandbox: Sandbox, store_id: str) -> dict[str, Any]:
    """A stocked (variant, location) as GraphQL ids, and the variant's platform id."""
    facts = sandbox.facts()
    for variant, item in sorted(facts.inventory_items.items()):
        locations = sorted(facts.levels.get(item, ()))
        if locations:
            return {
                "variantId": encode_id(store_id, Kind.VARIANT, variant),
                "locationId": encode_id(store_id, Kind.LOCATION, locations[0]),
                "raw": variant,
            }
    raise AssertionError("the sandbox has no stocked variant")


def _woo_tracked(sandbox: WooCommerceSandbox, store_id: str) -> dict[str, Any]:
    """A WooCommerce variation whose stock is tracked (a number, so adjust has a base)."""
    state = sandbox.state
    variant = min(i for i, v in state.variations.items() if v.get("stock_quantity") is not None)
    return {
        "variantId": encode_id(store_id, Kind.VARIANT, str(variant)),
        "locationId": encode_id(store_id, Kind.LOCATION, "default"),
        "raw": variant,
    }


async def _submit(gw: WriteGateway, mutation: str, stock: dict[str, Any], **value: int) -> str:
    ids = {"variantId": stock["variantId"], "locationId": stock["locationId"]}
    data = await gw.data(mutation, {"input": {**ids, **value}})
    (result,) = data.values()
    assert result["__typename"] == "WriteQueued", result
    return str(result["operation"]["id"])


async def _finished(gw: WriteGateway, op_id: str) -> dict[str, Any]:
    while True:
        op: dict[str, Any] = (await gw.data(STATUS, {"id": op_id}))["writeOperation"]
        if op["status"] in ("SUCCEEDED", "QUARANTINED"):
            return op
        await asyncio.sleep(0.1)  # inside the per-caller request budget


async def _available(gw: WriteGateway, stock: dict[str, Any]) -> int:
    variables = {"v": [stock["variantId"]], "l": [stock["locationId"]]}
    (level,) = (await gw.data(LEVEL, variables))["inventoryLevels"]
    return int(level["available"])


def _puts(sandbox: WooCommerceSandbox) -> int:
    return sum(n for route, n in sandbox.calls.by_route.items() if route.startswith("PUT "))


async def test_woocommerce_write_applied_then_dropped_is_reconciled_not_resent(
    start_writes: StartWrites,
) -> None:
    sandbox = WooCommerceSandbox(seed=5, orders=30, products=10)
    on_next_writes(sandbox.app, apply_then_drop)
    async with serve(sandbox.app) as url:
        gw = await start_writes([sandbox.connection("woo", url)])
        stock = _woo_tracked(sandbox, "woo")
        before = await _available(gw, stock)
        done = await _finished(gw, await _submit(gw, ADJUST, stock, delta=3))
        assert done["status"] == "SUCCEEDED", done
        assert await _available(gw, stock) == before + 3
    # one PUT reached the store: no silent transport re-send (whose reused nonce got a 401)
    assert _puts(sandbox) == 1
    assert sandbox.writes.count(f"product:{stock['raw']}") == 1


async def test_woocommerce_replayed_nonce_401_is_reconciled_not_quarantined(
    start_writes: StartWrites,
) -> None:
    sandbox = WooCommerceSandbox(seed=5, orders=30, products=10)

    async def answered_as_a_replay(request: web.Request, handler: Handler) -> web.StreamResponse:
        await handler(request)  # the first copy was applied; its answer is the replay's:
        query = {k: request.query.getall(k)[-1] for k in request.query}
        try:  # the store's own verdict on the same signed request arriving again
            sandbox.verifier.verify(request.method, str(request.url.with_query(None)), query)
        except AuthFailure as failure:
            return wp_error(401, failure.code, failure.message)
        raise AssertionError("a nonce used twice must be refused")

    on_next_writes(sandbox.app, answered_as_a_replay)
    async with serve(sandbox.app) as url:
        gw = await start_writes([sandbox.connection("woo", url)])
        stock = _woo_tracked(sandbox, "woo")
        before = await _available(gw, stock)
        done = await _finished(gw, await _submit(gw, ADJUST, stock, delta=2))
        assert done["status"] == "SUCCEEDED", done  # not AUTHENTICATION_FAILED, not applied
        assert done["attempts"] == 2  # the second attempt reconciled instead of sending
        assert await _available(gw, stock) == before + 2
    assert sandbox.writes.count(f"product:{stock['raw']}") == 1


async def test_shopify_adjust_applied_after_the_timeout_is_not_doubled(
    start_writes: StartWrites,
) -> None:
    sandbox = ShopifySandbox(seed=7, orders=40, products=12, bucket=None)
    late = LateApply(LATE)
    on_next_writes(sandbox.app, late)
    async with serve(sandbox.app) as url:
        conn = sandbox.connection("shop-a", url)
        conn = replace(conn, timeout_seconds=TIMEOUT, write_timeout_seconds=WRITE_TIMEOUT)
        gw = await start_writes([conn])
        stock = first_stock(sandbox, "shop-a")
        done = await _finished(gw, await _submit(gw, ADJUST, stock, delta=4))
        await late.settled()
        assert done["status"] == "SUCCEEDED", done
    assert sandbox.writes.count(f"adjust:{stock['item']}:{stock['location']}") == 1
    assert sandbox.state.inventory_levels[stock["key"]]["available"] == stock["available"] + 4


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.platform.value)
async def test_a_late_write_does_not_overwrite_the_next_one(
    spec: PlatformSpec, start_writes: StartWrites
) -> None:
    sandbox = spec.create_sandbox(seed=5, orders=30, products=10)
    late = LateApply(LATE)
    on_next_writes(sandbox.app, late)  # the first set lands after the gateway gave up on it
    async with serve(sandbox.app) as url:
        conn = sandbox.connection("store-1", url)
        conn = replace(conn, timeout_seconds=TIMEOUT, write_timeout_seconds=WRITE_TIMEOUT)
        gw = await start_writes([conn])
        stock = _stocked(sandbox, "store-1")
        first = await _submit(gw, SET, stock, available=10)
        second = await _submit(gw, SET, stock, available=20)
        assert (await _finished(gw, first))["status"] == "SUCCEEDED"
        assert (await _finished(gw, second))["status"] == "SUCCEEDED"
        await late.settled()
        assert await _available(gw, stock) == 20
