"""Orders over GraphQL/HTTP against Shopify sandboxes: nesting, call counts, paging, failures."""

from __future__ import annotations

import math
from typing import Any

from platforms.adapter import RateLimitSettings

NESTED = """
query($first: Int, $after: String) {
  orders(first: $first, after: $after) {
    edges { cursor node {
      id number updatedAt storeId
      totalPrice { amount currencyCode }
      lineItems { quantity sku
        variant { id sku inventoryItemId product { title }
          inventoryLevels { available location { name } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

ROUTE = "GET /admin/api/{version}/"


async def test_nested_orders_cost_exactly_the_documented_calls(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn])
    sandbox.calls.reset()

    data = await gw.data(NESTED, {"first": 50})

    edges = data["orders"]["edges"]
    assert len(edges) == 50
    items = {
        li["variant"]["inventoryItemId"]
        for e in edges
        for li in e["node"]["lineItems"]
        if li["variant"] is not None
    }
    # 1 orders page + 1 products batch (variants ride along, with their parents)
    # + inventory in chunks of 50 item ids (Shopify's documented cap) + 1 locations call.
    assert sandbox.calls.by_route == {
        ROUTE + "orders.json": 1,
        ROUTE + "products.json": 1,
        ROUTE + "inventory_levels.json": math.ceil(len(items) / 50),
        ROUTE + "locations.json": 1,
    }
    first = edges[0]["node"]
    assert first["totalPrice"]["currencyCode"] == "USD"
    line = first["lineItems"][0]
    assert line["variant"]["product"]["title"]
    assert {lvl["location"]["name"] for lvl in line["variant"]["inventoryLevels"]}


async def test_paging_with_after_walks_every_order_once(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify(orders=430, bucket=None)
    gw = await start_gateway([conn])
    query = "query($after: String) { orders(first: 100, after: $after) { edges { node { id updatedAt } } pageInfo { hasNextPage endCursor } } }"
    seen: list[str] = []
    stamps: list[str] = []
    after = None
    sandbox.calls.reset()
    for _ in range(10):
        page = (await gw.data(query, {"after": after}))["orders"]
        seen += [e["node"]["id"] for e in page["edges"]]
        stamps += [e["node"]["updatedAt"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 430 == len(set(seen))
    assert stamps == sorted(stamps, reverse=True)
    assert sandbox.calls.total == 5  # one orders page per GraphQL page


async def test_two_stores_merge_by_updated_at_and_page_without_gaps(serve_shopify, start_gateway):
    _, a = await serve_shopify("shop-a", seed=1, orders=120, bucket=None)
    _, b = await serve_shopify("shop-b", seed=2, orders=90, bucket=None)
    gw = await start_gateway([a, b])
    query = "query($after: String) { orders(first: 40, after: $after) { edges { node { id storeId updatedAt } } pageInfo { hasNextPage endCursor } } }"
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gw.data(query, {"after": after}))["orders"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(nodes) == 210 == len({n["id"] for n in nodes})
    assert {n["storeId"] for n in nodes} == {"shop-a", "shop-b"}
    stamps = [n["updatedAt"] for n in nodes]
    assert stamps == sorted(stamps, reverse=True)


async def test_throttling_5xx_and_dropped_connections_are_absorbed(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify(bucket=RateLimitSettings(40, 2))
    gw = await start_gateway([conn])
    sandbox.faults.fail_next(429, 503, 500)
    sandbox.faults.drop_next(1)
    data = await gw.data(NESTED, {"first": 20})
    assert len(data["orders"]["edges"]) == 20
    assert sandbox.bucket is not None and sandbox.bucket.rejected == 0


async def test_wrong_token_fails_only_that_store_with_a_typed_error(serve_shopify, start_gateway):
    _, good = await serve_shopify("good", seed=1, orders=30)
    bad_sandbox, bad = await serve_shopify(
        "bad", seed=2, orders=30, credentials={"access_token": "shpat_wrong_secret_123"}
    )
    gw = await start_gateway([good, bad])
    bad_sandbox.calls.reset()
    body = await gw.query("{ orders(first: 10) { edges { node { storeId number } } } }")
    assert {e["node"]["storeId"] for e in body["data"]["orders"]["edges"]} == {"good"}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "AUTHENTICATION_FAILED"
    assert error["extensions"]["storeId"] == "bad"
    assert error["extensions"]["platform"] == "shopify"
    assert error["extensions"]["retryable"] is False
    assert bad_sandbox.calls.total == 1  # authentication errors are not retried
    assert "shpat_wrong_secret_123" not in str(body)


async def test_order_lookup_by_id_and_node(serve_shopify, start_gateway):
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    first = (await gw.data("{ orders(first: 1) { edges { node { id number } } } }"))["orders"][
        "edges"
    ][0]["node"]
    by_id = await gw.data(
        "query($id: ID!) { order(id: $id) { number } node(id: $id) { id ... on Order { number } } }",
        {"id": first["id"]},
    )
    assert by_id["order"]["number"] == first["number"]
    assert by_id["node"] == {"id": first["id"], "number": first["number"]}


async def test_bad_input_gets_typed_errors_not_crashes(serve_shopify, start_gateway):
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    body = await gw.query('{ order(id: "not-an-id") { number } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gw.query("{ orders(first: 5000) { edges { cursor } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in body["errors"][0]["message"]
    body = await gw.query('{ orders(first: 5, after: "garbage") { edges { cursor } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gw.query('{ orders(storeIds: ["nope"]) { edges { cursor } } }')
    assert body["errors"][0]["extensions"]["code"] == "STORE_NOT_FOUND"
    body = await gw.query("{ orders { edges { node { nosuchfield } } } }")
    assert "nosuchfield" in body["errors"][0]["message"]


async def test_every_store_failing_still_gives_a_cursor_to_resume_from(
    serve_shopify, start_gateway
):
    a_box, a = await serve_shopify("shop-a", seed=1, orders=30, max_attempts=1)
    b_box, b = await serve_shopify("shop-b", seed=2, orders=30, max_attempts=1)
    gw = await start_gateway([a, b])
    query = """query($after: String) { orders(first: 5, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    a_box.faults.fail_next(503)
    b_box.faults.fail_next(503)
    failed = await gw.query(query)
    assert {e["extensions"]["code"] for e in failed["errors"]} == {"UPSTREAM_UNAVAILABLE"}
    info = failed["data"]["orders"]["pageInfo"]
    assert failed["data"]["orders"]["edges"] == []
    assert info["hasNextPage"] is True and info["endCursor"]  # was true with a null cursor
    resumed = await gw.data(query, {"after": info["endCursor"]})
    assert resumed["orders"] == (await gw.data(query))["orders"]  # the same first page
