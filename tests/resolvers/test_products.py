"""Products, variants, inventory, locations and federation entities over GraphQL/HTTP."""

from __future__ import annotations

ROUTE = "GET /admin/api/{version}/"


async def test_product_page_with_variants_costs_one_call(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify(products=120)
    gw = await start_gateway([conn])
    sandbox.calls.reset()
    data = await gw.data(
        "{ products(first: 100) { edges { node { id title status tags options { name values }"
        " variants { id sku price { amount currencyCode } } } } pageInfo { hasNextPage } } }"
    )
    edges = data["products"]["edges"]
    assert len(edges) == 100 and data["products"]["pageInfo"]["hasNextPage"] is True
    assert all(e["node"]["variants"] for e in edges)
    assert sandbox.calls.by_route == {ROUTE + "products.json": 1}


async def test_variant_inventory_and_locations(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn])
    product = (await gw.data("{ products(first: 1) { edges { node { id variants { id } } } } }"))[
        "products"
    ]["edges"][0]["node"]
    variant_id = product["variants"][0]["id"]
    locations = (await gw.data('{ locations(storeId: "shop-a") { id name } }'))["locations"]
    assert len(locations) >= 2
    sandbox.calls.reset()
    data = await gw.data(
        "query($v: ID!, $l: [ID!]) { variant(id: $v) { sku product { id }"
        " inventoryLevels(locationIds: $l) { available location { id name } } }"
        " inventoryLevels(variantIds: [$v]) { available location { name } } }",
        {"v": variant_id, "l": [locations[0]["id"]]},
    )
    assert data["variant"]["product"]["id"] == product["id"]
    assert [lvl["location"]["id"] for lvl in data["variant"]["inventoryLevels"]] == [
        locations[0]["id"]
    ]
    assert len(data["inventoryLevels"]) == len(locations)
    # a lone variant without its product id: variants/{id}.json, then its product, one inventory
    # batch for both fields (same loader), one locations call.
    assert sandbox.calls.by_route[ROUTE + "inventory_levels.json"] == 1
    assert sandbox.calls.by_route[ROUTE + "locations.json"] == 1


async def test_missing_ids_are_null_not_errors(serve_shopify, start_gateway):
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    from platforms.ids import Kind, encode_id

    missing_order = encode_id("shop-a", Kind.ORDER, "999")
    missing_product = encode_id("shop-a", Kind.PRODUCT, "999")
    data = await gw.data(
        "query($o: ID!, $p: ID!) { order(id: $o) { id } product(id: $p) { id } node(id: $p) { id } }",
        {"o": missing_order, "p": missing_product},
    )
    assert data == {"order": None, "product": None, "node": None}


async def test_federation_entities_are_batched(serve_shopify, start_gateway):
    sandbox, conn = await serve_shopify()
    gw = await start_gateway([conn])
    products = (await gw.data("{ products(first: 5) { edges { node { id title } } } }"))["products"]
    reps = [{"__typename": "Product", "id": e["node"]["id"]} for e in products["edges"]]
    sandbox.calls.reset()
    data = await gw.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title } } }",
        {"r": reps},
    )
    assert [e["id"] for e in data["_entities"]] == [r["id"] for r in reps]
    assert sandbox.calls.by_route == {ROUTE + "products.json": 1}
    sdl = (await gw.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert '@key(fields: "id")' in sdl


async def test_stores_never_expose_credentials(serve_shopify, start_gateway):
    _, conn = await serve_shopify()
    gw = await start_gateway([conn])
    body = await gw.query(
        '{ stores { id platform name baseUrl currencyCode apiVersion } store(id: "nope") { id } }'
    )
    assert body["data"]["stores"][0]["id"] == "shop-a"
    assert body["data"]["store"] is None
    assert conn.credentials["access_token"] not in str(body)
