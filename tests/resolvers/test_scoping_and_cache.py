"""Caller scoping (a principal sees only its stores) and the product TTL cache."""

from __future__ import annotations

import asyncio

from gateway.auth.principal import Principal
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.ids import Kind, encode_id
from resolvers.context import RequestContext
from resolvers.schema import build_schema

ROUTE = "GET /admin/api/{version}/"


async def test_a_principal_never_reaches_stores_outside_its_scope(serve_shopify):
    _, a = await serve_shopify("shop-a", seed=1, orders=20)
    b_sandbox, b = await serve_shopify("shop-b", seed=2, orders=20)
    registry = StoreRegistry([a, b])
    schema = build_schema()
    b_sandbox.calls.reset()

    async def run(query: str) -> dict:
        ctx = RequestContext(registry, Principal("tenant-a", store_ids=frozenset({"shop-a"})))
        result = await schema.execute(query, context_value=ctx)
        return {"data": result.data, "errors": result.errors}

    try:
        listed = await run("{ stores { id } orders(first: 50) { edges { node { storeId } } } }")
        assert listed["data"]["stores"] == [{"id": "shop-a"}]
        assert {e["node"]["storeId"] for e in listed["data"]["orders"]["edges"]} == {"shop-a"}
        foreign = encode_id("shop-b", Kind.ORDER, "1")
        for query in (
            '{ orders(storeIds: ["shop-b"]) { edges { cursor } } }',
            f'{{ order(id: "{foreign}") {{ id }} }}',
            '{ locations(storeId: "shop-b") { id } }',
            *(
                f'{{ {field}(id: "{encode_id("shop-b", kind, "1")}") {{ id }} }}'
                for field, kind in (
                    ("product", Kind.PRODUCT),
                    ("variant", Kind.VARIANT),
                    ("customer", Kind.CUSTOMER),
                    ("node", Kind.PRODUCT),
                )
            ),
        ):
            result = await run(query)
            assert result["errors"][0].extensions["code"] == "STORE_NOT_FOUND"
        assert b_sandbox.calls.total == 0
    finally:
        await registry.aclose()


async def test_product_cache_serves_repeats_and_coalesces_concurrent_reads(
    serve_shopify, start_gateway
):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn], ttls=CacheTTLs(products=60, locations=60))
    ids = [
        e["node"]["id"]
        for e in (await gw.data("{ products(first: 5) { edges { node { id } } } }"))["products"][
            "edges"
        ]
    ]
    query = "query($id: ID!) { a: product(id: $id) { title } }"
    sandbox.calls.reset()
    results = await asyncio.gather(*(gw.data(query, {"id": i}) for i in ids for _ in range(3)))
    assert all(r["a"]["title"] for r in results)
    first_round = sandbox.calls.by_route[ROUTE + "products.json"]
    assert 1 <= first_round <= len(ids)  # concurrent requests for one id share one upstream read
    await asyncio.gather(*(gw.data(query, {"id": i}) for i in ids))
    assert sandbox.calls.by_route[ROUTE + "products.json"] == first_round  # all served from cache
