"""Variants come from the product cache when their parent is cached (and only then)."""

from __future__ import annotations

from gateway.stores import CacheTTLs

PRODUCTS = "GET /admin/api/{version}/products.json"
NESTED = """{ orders(first: 10) { edges { node { number lineItems {
  variant { id sku price { amount } product { id title } } } } } } }"""


async def test_warm_product_cache_answers_variants_without_a_products_call(
    serve_shopify, start_gateway
):
    sandbox, conn = await serve_shopify(orders=30)
    gw = await start_gateway([conn], ttls=CacheTTLs(products=60, locations=60))
    sandbox.calls.reset()
    cold = await gw.data(NESTED)
    assert sandbox.calls.by_route[PRODUCTS] >= 1  # the first read fetches the parents
    sandbox.calls.reset()
    warm = await gw.data(NESTED)
    assert sandbox.calls.by_route.get(PRODUCTS, 0) == 0  # ... the second reuses them
    assert warm == cold
    variants = [li["variant"] for e in warm["orders"]["edges"] for li in e["node"]["lineItems"]]
    assert variants and all(v and v["product"]["title"] for v in variants)


async def test_without_a_product_cache_every_request_reads_the_parents(
    serve_shopify, start_gateway
):
    sandbox, conn = await serve_shopify(orders=30)
    gw = await start_gateway([conn], ttls=CacheTTLs(products=0, locations=60))
    first = await gw.data(NESTED)
    sandbox.calls.reset()
    assert await gw.data(NESTED) == first
    assert sandbox.calls.by_route[PRODUCTS] >= 1


async def test_products_read_by_id_warm_the_variants_of_a_later_order_query(
    serve_shopify, start_gateway
):
    sandbox, conn = await serve_shopify(orders=30, products=20)
    gw = await start_gateway([conn], ttls=CacheTTLs(products=60, locations=60))
    listed = await gw.data("{ products(first: 100) { edges { node { id } } } }")
    ids = [e["node"]["id"] for e in listed["products"]["edges"]]
    assert len(ids) == 20
    query = "query($id: ID!) { product(id: $id) { title } }"
    for pid in ids:
        await gw.data(query, {"id": pid})
    sandbox.calls.reset()
    await gw.data(NESTED)
    assert sandbox.calls.by_route.get(PRODUCTS, 0) == 0
