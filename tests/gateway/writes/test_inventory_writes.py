"""adjustInventory / setInventory over HTTP against the Shopify sandbox: idempotency, retries,
quarantine and replay, ordering per resource, parallelism across stores, no secrets."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import orjson

from tests.gateway.writes.conftest import (
    ServeSandbox,
    ShopA,
    StartWrites,
    WriteGateway,
    first_stock,
)

OPERATION = (
    "operation { id status attempts idempotencyKey createdAt updatedAt platformRequestId"
    " lastError { code message } }"
)
ADJUST = f"""
mutation($input: AdjustInventoryInput!, $key: String, $wait: Boolean! = true) {{
  adjustInventory(input: $input, idempotencyKey: $key, wait: $wait) {{
    __typename
    ... on AdjustInventorySuccess {{ {OPERATION} inventoryLevel {{ available inventoryItemId }} }}
    ... on WriteQueued {{ {OPERATION} }}
    ... on WriteFailed {{ code message {OPERATION} }}
    ... on IdempotencyKeyReused {{ idempotencyKey message }}
    ... on UnsupportedOnPlatform {{ message }}
  }}
}}"""
SET = f"""
mutation($input: SetInventoryInput!, $key: String, $wait: Boolean! = true) {{
  setInventory(input: $input, idempotencyKey: $key, wait: $wait) {{
    __typename
    ... on SetInventorySuccess {{ {OPERATION} inventoryLevel {{ available }} }}
    ... on WriteQueued {{ {OPERATION} }}
    ... on WriteFailed {{ code message {OPERATION} }}
  }}
}}"""
LEVEL = """
query($v: [ID!]!, $l: [ID!]) { inventoryLevels(variantIds: $v, locationIds: $l) { available } }"""
OPERATION_BY_ID = """
query($id: ID!) { writeOperation(id: $id) { status attempts kind result input
  lastError { code message } } }"""
REPLAY = """
mutation($id: ID!) { replayWriteOperation(input: {id: $id}) {
  __typename ... on ReplayWriteOperationSuccess { operation { status } }
  ... on ReplayRefused { message } } }"""


async def _level(gw: WriteGateway, stock: dict[str, Any]) -> int:
    data = await gw.data(LEVEL, {"v": [stock["variantId"]], "l": [stock["locationId"]]})
    levels = data["inventoryLevels"]
    assert len(levels) == 1
    return int(levels[0]["available"])


async def _adjust(gw: WriteGateway, stock: dict[str, Any], delta: int, **kw: Any) -> Any:
    variables = {
        "input": {
            "variantId": stock["variantId"],
            "locationId": stock["locationId"],
            "delta": delta,
        },
        **kw,
    }
    return (await gw.data(ADJUST, variables))["adjustInventory"]


async def _until(gw: WriteGateway, op_id: str, status: str) -> dict[str, Any]:
    for _ in range(500):
        op = (await gw.data(OPERATION_BY_ID, {"id": op_id}))["writeOperation"]
        if op["status"] == status:
            return dict(op)
        await asyncio.sleep(0.02)
    raise AssertionError(f"operation {op_id} never reached {status}: {op}")


async def test_adjust_then_read_and_idempotent_replay(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    before = await _level(gw, stock)

    first = await _adjust(gw, stock, 5, key="order-7-restock")
    assert first["__typename"] == "AdjustInventorySuccess"
    assert first["inventoryLevel"]["available"] == before + 5
    assert first["operation"]["status"] == "SUCCEEDED"
    assert first["operation"]["platformRequestId"]  # Shopify's X-Request-Id
    assert await _level(gw, stock) == before + 5

    again = await _adjust(gw, stock, 5, key="order-7-restock")
    assert again == first  # the original result, byte for byte
    assert await _level(gw, stock) == before + 5
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 1

    other = await _adjust(gw, stock, 6, key="order-7-restock")
    assert other["__typename"] == "IdempotencyKeyReused"
    assert other["idempotencyKey"] == "order-7-restock"
    assert await _level(gw, stock) == before + 5


async def test_header_key_and_generated_key(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    variables = {
        "input": {"variantId": stock["variantId"], "locationId": stock["locationId"], "delta": 1}
    }
    headers = {"Idempotency-Key": "hdr-1"}
    one = (await gw.data(ADJUST, variables, headers))["adjustInventory"]
    two = (await gw.data(ADJUST, variables, headers))["adjustInventory"]
    assert one == two and one["operation"]["idempotencyKey"] == "hdr-1"
    three = (await gw.data(ADJUST, variables))["adjustInventory"]  # no key: a new write
    assert three["operation"]["idempotencyKey"] not in ("", "hdr-1")
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 2


async def test_concurrent_duplicates_apply_once(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    before = stock["available"]
    results = await asyncio.gather(*(_adjust(gw, stock, 3, key="dup") for _ in range(5)))
    assert all(r == results[0] for r in results)
    assert results[0]["inventoryLevel"]["available"] == before + 3
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 1


async def test_transient_failures_retry_then_apply_once(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    sandbox.writes.fail_next.extend([429, 503, 500])
    result = await _adjust(gw, stock, -2)
    assert result["__typename"] == "AdjustInventorySuccess", result
    assert result["operation"]["attempts"] == 4
    assert result["inventoryLevel"]["available"] == stock["available"] - 2
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 1


async def test_5xx_after_apply_is_reconciled_not_resent(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    sandbox.writes.fail_after_apply.append(502)  # applied, but the answer is lost
    result = await _adjust(gw, stock, 4)
    assert result["__typename"] == "AdjustInventorySuccess", result
    assert result["operation"]["attempts"] == 2
    assert result["inventoryLevel"]["available"] == stock["available"] + 4
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 1
    assert await _level(gw, stock) == stock["available"] + 4


async def test_permanent_422_quarantines_then_replay_after_fix(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock = first_stock(sandbox, "shop-a")
    level = sandbox.state.inventory_levels.pop(stock["key"])  # not stocked there any more

    failed = await _adjust(gw, stock, 2, key="k422")
    assert failed["__typename"] == "WriteFailed"
    assert failed["code"] == "UPSTREAM_VALIDATION"
    # Admin GraphQL's userError (REST answered 422 "Inventory item is not stocked at the
    # location"); the replay below prepares again, so it goes out under a new Shopify key
    assert "input.changes.0.locationId: The specified location could not be" in failed["message"]
    assert failed["operation"]["status"] == "QUARANTINED"
    assert failed["operation"]["attempts"] == 1

    sandbox.state.inventory_levels[stock["key"]] = level  # the cause is fixed
    op_id = failed["operation"]["id"]
    replay = (await gw.data(REPLAY, {"id": op_id}))["replayWriteOperation"]
    assert replay["__typename"] == "ReplayWriteOperationSuccess"
    done = await _until(gw, op_id, "SUCCEEDED")
    assert done["result"]["available"] == stock["available"] + 2
    assert sandbox.writes.count(f"adjust:{stock['item']}") == 1

    refused = (await gw.data(REPLAY, {"id": op_id}))["replayWriteOperation"]
    assert refused["__typename"] == "ReplayRefused"

    # an id that names no operation: null to read, a typed refusal to replay
    assert (await gw.data(OPERATION_BY_ID, {"id": "no-such-op"}))["writeOperation"] is None
    unknown = (await gw.data(REPLAY, {"id": "no-such-op"}))["replayWriteOperation"]
    assert unknown == {"__typename": "ReplayRefused", "message": "No write operation 'no-such-op'"}


async def test_same_resource_runs_in_order(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    stock, other = first_stock(sandbox, "shop-a", 0), first_stock(sandbox, "shop-a", 1)
    sandbox.writes.hold = asyncio.Event()  # the first write is applied but not answered

    def set_input(s: dict[str, Any], n: int) -> dict[str, Any]:
        return {
            "input": {"variantId": s["variantId"], "locationId": s["locationId"], "available": n}
        }

    ops = []
    for n in (10, 20, 30):
        queued = (await gw.data(SET, {**set_input(stock, n), "wait": False}))["setInventory"]
        ops.append(queued["operation"]["id"])
    await sandbox.writes.wait_for("set:")
    here, there = (
        f"set:{stock['item']}:{stock['location']}",
        f"set:{other['item']}:{other['location']}",
    )
    # another resource is not blocked by the held one...
    side = (await gw.data(SET, {**set_input(other, 7), "wait": False}))["setInventory"]
    await sandbox.writes.wait_for(there)
    # ...but the same resource's later writes have not been sent while the first is in flight.
    assert sandbox.writes.count(here) == 1
    sandbox.writes.hold.set()
    for op_id in [*ops, side["operation"]["id"]]:
        await _until(gw, op_id, "SUCCEEDED")
    assert sandbox.state.inventory_levels[stock["key"]]["available"] == 30
    assert sandbox.writes.applied.count(here) == 3


async def test_stores_write_in_parallel(
    shopify_store: ServeSandbox, start_writes: StartWrites
) -> None:
    (slow, conn_a), (fast, conn_b) = await shopify_store("shop-a"), await shopify_store("shop-b")
    gw = await start_writes([conn_a, conn_b])
    a, b = first_stock(slow, "shop-a"), first_stock(fast, "shop-b")
    slow.writes.hold = asyncio.Event()
    held = await _adjust(gw, a, 1, wait=False)
    await slow.writes.wait_for("adjust:")
    done = await _adjust(gw, b, 1)  # finishes while shop-a's write is still in flight
    assert done["__typename"] == "AdjustInventorySuccess"
    status = (await gw.data(OPERATION_BY_ID, {"id": held["operation"]["id"]}))["writeOperation"]
    assert status["status"] == "RUNNING"
    slow.writes.hold.set()
    await _until(gw, held["operation"]["id"], "SUCCEEDED")


async def test_tokens_never_in_errors_or_status(
    shopify_store: ServeSandbox, start_writes: StartWrites
) -> None:
    sandbox, conn = await shopify_store()
    secret = "shpat_not_the_right_token_123"
    bad = dataclasses.replace(conn, credentials={"access_token": secret})
    gw = await start_writes([bad])
    stock = first_stock(sandbox, "shop-a")
    body = await gw.query(
        ADJUST,
        {"input": {"variantId": stock["variantId"], "locationId": stock["locationId"], "delta": 1}},
    )
    result = body["data"]["adjustInventory"]
    assert result["__typename"] == "WriteFailed"
    assert result["code"] == "AUTHENTICATION_FAILED"
    listing = await gw.query(
        '{ writeOperations(storeId: "shop-a") { totalCount edges { node { status input result lastError { code message } } } } }'
    )
    assert listing["data"]["writeOperations"]["totalCount"] == 1
    for payload in (body, listing):
        assert secret not in orjson.dumps(payload).decode()
    assert sandbox.writes.applied == []
