"""Every registered platform, behind the gateway over HTTP: stock, price and cancel writes
reach its sandbox through the platform's real endpoints, and a following read shows them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from platforms.ids import Kind, encode_id
from platforms.registry import PlatformSpec, all_specs
from platforms.sandbox.kit import Sandbox, serve
from tests.gateway.writes.conftest import StartWrites, WriteGateway

RESULT = """__typename
  ... on WriteFailed { code message }
  ... on UnsupportedOnPlatform { message }"""
SET = f"""mutation($input: SetInventoryInput!) {{ setInventory(input: $input) {{ {RESULT}
  ... on SetInventorySuccess {{ inventoryLevel {{ available }} }} }} }}"""
ADJUST = f"""mutation($input: AdjustInventoryInput!, $key: String) {{
  adjustInventory(input: $input, idempotencyKey: $key) {{ {RESULT}
  ... on AdjustInventorySuccess {{ inventoryLevel {{ available }} operation {{ id }} }} }} }}"""
PRICE = f"""mutation($input: UpdateVariantPriceInput!) {{ updateVariantPrice(input: $input) {{
  {RESULT} ... on UpdateVariantPriceSuccess {{ price }} }} }}"""
CANCEL = f"""mutation($input: CancelOrderInput!) {{ cancelOrder(input: $input) {{ {RESULT}
  ... on CancelOrderSuccess {{ orderId }} }} }}"""
LEVEL = """query($v: [ID!]!, $l: [ID!]) {
  inventoryLevels(variantIds: $v, locationIds: $l) { available } }"""
VARIANT = """query($id: ID!) { variant(id: $id) { price { amount } } }"""
OPEN_ORDERS = """query($s: [ID!]) { orders(storeIds: $s, first: 5, filter: {status: OPEN}) {
  edges { node { id status } } } }"""
ORDER = """query($id: ID!) { order(id: $id) { status } }"""

SPECS = all_specs()


@pytest.fixture(params=SPECS, ids=[s.platform.value for s in SPECS])
async def platform_store(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Sandbox, str]]:
    spec: PlatformSpec = request.param
    sandbox = spec.create_sandbox(seed=5, orders=30, products=10)
    async with serve(sandbox.app) as url:
        yield sandbox, url


@pytest.fixture
async def store(
    platform_store: tuple[Sandbox, str], start_writes: StartWrites
) -> tuple[Sandbox, WriteGateway]:
    """Each platform's served sandbox, and a gateway over it as store-1."""
    sandbox, url = platform_store
    return sandbox, await start_writes([sandbox.connection("store-1", url)])


def _stocked(sandbox: Sandbox, store_id: str) -> tuple[str, str]:
    """A (variant id, location id) pair, as global ids, that has a stock record."""
    facts = sandbox.facts()
    for variant, item in sorted(facts.inventory_items.items()):
        locations = sorted(facts.levels.get(item, ()))
        if locations:
            return (
                encode_id(store_id, Kind.VARIANT, variant),
                encode_id(store_id, Kind.LOCATION, locations[0]),
            )
    raise AssertionError("the sandbox has no stocked variant")


async def _available(gw: WriteGateway, variant: str, location: str) -> int:
    levels = (await gw.data(LEVEL, {"v": [variant], "l": [location]}))["inventoryLevels"]
    return int(levels[0]["available"])


async def test_stock_writes_then_read(store: tuple[Sandbox, WriteGateway]) -> None:
    sandbox, gw = store
    variant, location = _stocked(sandbox, "store-1")
    ids = {"variantId": variant, "locationId": location}

    done = (await gw.data(SET, {"input": {**ids, "available": 17}}))["setInventory"]
    assert done["__typename"] == "SetInventorySuccess", done
    assert done["inventoryLevel"]["available"] == 17
    assert await _available(gw, variant, location) == 17

    adjust = {"input": {**ids, "delta": -5}, "key": "adj-1"}
    first = (await gw.data(ADJUST, adjust))["adjustInventory"]
    again = (await gw.data(ADJUST, adjust))["adjustInventory"]
    assert first["__typename"] == "AdjustInventorySuccess", first
    assert first == again
    assert await _available(gw, variant, location) == 12


async def test_price_write_then_read(store: tuple[Sandbox, WriteGateway]) -> None:
    sandbox, gw = store
    variant, _ = _stocked(sandbox, "store-1")
    result = await gw.data(PRICE, {"input": {"variantId": variant, "price": "23.45"}})
    outcome = result["updateVariantPrice"]
    assert outcome["__typename"] == "UpdateVariantPriceSuccess", outcome
    assert Decimal(outcome["price"]) == Decimal("23.45")
    read = (await gw.data(VARIANT, {"id": variant}))["variant"]
    assert Decimal(read["price"]["amount"]) == Decimal("23.45")


async def test_cancel_then_read(store: tuple[Sandbox, WriteGateway]) -> None:
    _, gw = store
    edges = (await gw.data(OPEN_ORDERS, {"s": ["store-1"]}))["orders"]["edges"]
    assert edges, "the seed has open orders"
    order_id = edges[0]["node"]["id"]
    outcome = await gw.data(CANCEL, {"input": {"orderId": order_id, "reason": "customer"}})
    assert outcome["cancelOrder"]["__typename"] == "CancelOrderSuccess", outcome
    assert (await gw.data(ORDER, {"id": order_id}))["order"]["status"] == "CANCELLED"


# "1E+400" (found by fuzzing) went out as a 401-digit price, and the sandbox answered 500
@pytest.mark.parametrize("price", ["-1", "1E+400", "1000000000000000"])
async def test_bad_price_is_a_typed_error_not_a_write(
    store: tuple[Sandbox, WriteGateway], price: str
) -> None:
    sandbox, gw = store
    variant, _ = _stocked(sandbox, "store-1")
    sandbox.calls.reset()
    body = await gw.query(PRICE, {"input": {"variantId": variant, "price": price}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "price" in body["errors"][0]["message"]
    assert not [r for r in sandbox.calls.by_route if not r.startswith("GET ")]
