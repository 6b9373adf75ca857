"""Sandbox Admin GraphQL reads over a socket: schema validation, same data as REST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.graphql_schema import idempotent_mutations
from tests.platforms.shopify.sandbox.conftest import GRAPHQL_ROUTE, VERSION, Admin, build_store

ORDER_FIELDS = """
  id legacyResourceId name updatedAt createdAt email cancelledAt closed
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet { shopMoney { amount currencyCode } }
  subtotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  customer { id email }
  shippingAddress { city provinceCode countryCodeV2 }
  lineItems(first: 10) { nodes { id sku quantity variant { id product { id } } } }
  fulfillments { trackingInfo { number company } }
  refunds { totalRefundedSet { shopMoney { amount } } }
"""


async def test_a_field_the_schema_lacks_is_refused_as_shopify_refuses_it(admin: Admin) -> None:
    status, body = await admin.post("{ orders(first: 1) { nodes { id notAField } } }")
    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "Field 'notAField' doesn't exist on type 'Order'",
                "locations": [{"line": 1, "column": 33}],
                "path": ["query", "orders", "nodes", "notAField"],
                "extensions": {
                    "code": "undefinedField",
                    "typeName": "Order",
                    "fieldName": "notAField",
                },
            }
        ]
    }
    assert admin.store.calls.by_route[GRAPHQL_ROUTE] == 1


@pytest.mark.parametrize(
    ("document", "code", "message"),
    [
        (
            "{ orders(first: 1, bogus: 2) { nodes { id } } }",
            "argumentNotAccepted",
            "Field 'orders' doesn't accept argument 'bogus'",
        ),
        (
            "{ order { id } }",
            "missingRequiredArguments",
            "Field 'order' is missing required arguments: id",
        ),
        (
            '{ orders(first: "two") { nodes { id } } }',
            "argumentLiteralsIncompatible",
            "Argument 'first' on Field 'orders' has an invalid value (\"two\"). Expected type 'Int'.",
        ),
        ("{ shop }", "selectionMismatch", None),
        (
            "query Q($n: Int) { shop { name } }",
            "variableNotUsed",
            "Variable $n is declared but not used by query Q",
        ),
    ],
)
async def test_wrong_arguments_and_selections_get_graphql_rubys_codes(
    admin: Admin, document: str, code: str, message: str | None
) -> None:
    status, body = await admin.post(document)
    assert status == 200 and "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["locations"] and error["path"][0] in ("query", "query Q")
    if message is not None:
        assert error["message"] == message


async def test_a_parse_error_and_a_missing_query(admin: Admin) -> None:
    status, body = await admin.post("{ orders(first: 1) { nodes { id }")
    assert status == 200
    assert body["errors"][0]["message"].startswith("Parse error on end of file at [1, ")
    url = f"{admin.base}/admin/api/{VERSION}/graphql.json"
    async with admin.session.post(url, json={"variables": {}}) as response:
        assert response.status == 400
        assert await response.json() == {
            "errors": {"query": "Required parameter missing or invalid"}
        }


async def test_the_access_token_is_required_as_for_rest(admin: Admin) -> None:
    url = f"{admin.base}/admin/api/{VERSION}/graphql.json"
    query = {"query": "{ shop { name } }"}
    async with aiohttp.ClientSession() as anonymous, anonymous.post(url, json=query) as response:
        assert response.status == 401
        assert "Invalid API key or access token" in (await response.json())["errors"]


async def test_a_connection_needs_first_or_last(admin: Admin) -> None:
    status, body = await admin.post("{ orders { nodes { id } } }")
    assert status == 200 and body["data"] is None
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["orders"]


async def test_orders_updated_since_match_rest_for_the_same_seed(admin: Admin) -> None:
    since = "2026-06-01T00:00:00Z"
    rest = (await admin.rest("orders.json", status="any", updated_at_min=since, limit="250"))[
        "orders"
    ]
    query = f"query($after: String) {{ orders(first: 20, after: $after, sortKey: UPDATED_AT, query: \"updated_at:>='{since}'\") {{ nodes {{ {ORDER_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await admin.data(query, {"after": after}))["orders"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    by_id = {int(o["legacyResourceId"]): o for o in seen}
    assert len(by_id) == len(seen) == len(rest) > 20
    stamps = [o["updatedAt"] for o in seen]
    assert stamps == sorted(stamps)
    for order in rest:
        mine = by_id[order["id"]]
        assert mine["id"] == order["admin_graphql_api_id"]
        assert mine["name"] == order["name"] and mine["email"] == order["email"]
        assert mine["totalPriceSet"]["shopMoney"] == {
            "amount": order["total_price"],
            "currencyCode": "USD",
        }
        assert mine["totalTaxSet"]["shopMoney"]["amount"] == order["total_tax"]
        assert mine["closed"] == (order["closed_at"] is not None)
        assert mine["displayFinancialStatus"] == order["financial_status"].upper()
        assert mine["customer"]["id"] == order["customer"]["admin_graphql_api_id"]
        lines = [(li["sku"], li["quantity"]) for li in mine["lineItems"]["nodes"]]
        assert lines == [(li["sku"], li["quantity"]) for li in order["line_items"]]
        numbers = [t["number"] for f in mine["fulfillments"] for t in f["trackingInfo"]]
        assert numbers == [n for f in order["fulfillments"] for n in f["tracking_numbers"]]
        refunded = sum(
            Decimal(r["totalRefundedSet"]["shopMoney"]["amount"]) for r in mine["refunds"]
        )
        expected = sum(Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"])
        assert refunded == expected
        assert mine["updatedAt"].endswith("Z")  # GraphQL times are UTC


async def test_products_with_variants_items_and_metafields_match_rest(admin: Admin) -> None:
    rest = (await admin.rest("products.json", limit="250"))["products"]
    query = """{ products(first: 60, query: "status:active OR status:draft OR status:archived") {
      nodes { id title status handle vendor
        metafield(namespace: "custom", key: "material") { value type }
        variants(first: 4) { nodes { id sku price compareAtPrice inventoryQuantity
          inventoryItem { id legacyResourceId sku } } } } } }"""
    products = (await admin.data(query))["products"]["nodes"]
    assert [p["id"] for p in products] == [p["admin_graphql_api_id"] for p in rest]
    for mine, theirs in zip(products, rest, strict=True):
        assert (mine["title"], mine["status"]) == (theirs["title"], theirs["status"].upper())
        assert mine["metafield"]["type"] == "single_line_text_field"
        variants = mine["variants"]["nodes"]
        assert [v["sku"] for v in variants] == [v["sku"] for v in theirs["variants"]]
        assert [v["price"] for v in variants] == [v["price"] for v in theirs["variants"]]
        assert [int(v["inventoryItem"]["legacyResourceId"]) for v in variants] == [
            v["inventory_item_id"] for v in theirs["variants"]
        ]


async def test_inventory_levels_read_rests_available_and_the_other_quantities(
    admin: Admin,
) -> None:
    item = admin.store.state.products[0]["variants"][0]["inventory_item_id"]
    rest = (await admin.rest("inventory_levels.json", inventory_item_ids=str(item)))[
        "inventory_levels"
    ]
    names = '["available", "on_hand", "committed", "incoming", "reserved"]'
    query = f"""{{ inventoryItem(id: "gid://shopify/InventoryItem/{item}") {{
      inventoryLevels(first: 10) {{ nodes {{ id location {{ id }}
        quantities(names: {names}) {{ name quantity }} }} }} }} }}"""
    levels = (await admin.data(query))["inventoryItem"]["inventoryLevels"]["nodes"]
    assert [lv["id"] for lv in levels] == [lv["admin_graphql_api_id"] for lv in rest]
    for mine, theirs in zip(levels, rest, strict=True):
        quantities = {q["name"]: q["quantity"] for q in mine["quantities"]}
        assert quantities["available"] == theirs["available"]
        assert quantities["on_hand"] == theirs["available"] + quantities["committed"]
        assert quantities["incoming"] == quantities["reserved"] == 0


async def test_nodes_batch_mixed_kinds_and_refuses_more_than_250_ids(admin: Admin) -> None:
    state = admin.store.state
    variant = state.products[0]["variants"][0]
    ids = [
        state.orders[0]["admin_graphql_api_id"],
        state.products[0]["admin_graphql_api_id"],
        variant["admin_graphql_api_id"],
        f"gid://shopify/InventoryItem/{variant['inventory_item_id']}",
        state.customers[0]["admin_graphql_api_id"],
        state.locations[0]["admin_graphql_api_id"],
        "gid://shopify/Order/1",
    ]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    found = (await admin.data(query, {"ids": ids}))["nodes"]
    kinds = ["Order", "Product", "ProductVariant", "InventoryItem", "Customer", "Location"]
    assert [n["__typename"] for n in found[:-1]] == kinds
    assert [n["id"] for n in found[:-1]] == ids[:-1] and found[-1] is None
    status, body = await admin.post(query, {"ids": ids * 36})
    assert status == 200
    assert body["errors"][0]["message"] == (
        "The input array size of 252 is greater than the maximum allowed of 250."
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


async def test_search_filters_cursors_and_reverse(admin: Admin) -> None:
    sku = admin.store.state.products[3]["variants"][0]["sku"]
    query = f'{{ products(first: 5, query: "sku:{sku}") {{ nodes {{ variants(first: 5) {{ nodes {{ sku }} }} }} }} }}'
    found = (await admin.data(query))["products"]["nodes"]
    assert len(found) == 1 and sku in [v["sku"] for v in found[0]["variants"]["nodes"]]
    newest = "{ orders(first: 3, sortKey: ID, reverse: true) { nodes { legacyResourceId } } }"
    ids = [int(o["legacyResourceId"]) for o in (await admin.data(newest))["orders"]["nodes"]]
    assert ids == sorted((o["id"] for o in admin.store.state.orders), reverse=True)[:3]
    _, body = await admin.post('{ orders(first: 1, after: "nonsense") { nodes { id } } }')
    assert body["errors"][0]["message"] == "Invalid cursor for current pagination sort."


async def test_counts_count_their_own_resource_up_to_the_limit(admin: Admin) -> None:
    state = admin.store.state
    since = sorted(o["updated_at"] for o in state.orders)[len(state.orders) // 2]
    newer = sum(1 for o in state.orders if o["updated_at"] >= since)
    query = f"""{{ all: ordersCount {{ count precision }}
      newer: ordersCount(query: "updated_at:>='{since}'") {{ count precision }}
      capped: ordersCount(limit: 3) {{ count precision }}
      products: productsCount {{ count }} variants: productVariantsCount {{ count }} }}"""
    data = await admin.data(query)
    assert data["all"] == {"count": len(state.orders), "precision": "EXACT"}
    assert data["newer"]["count"] == newer < len(state.orders)
    assert data["capped"] == {"count": 3, "precision": "AT_LEAST"}
    assert data["products"]["count"] == len(state.products)
    assert data["variants"]["count"] == len(state.variants())


async def test_locations_customers_and_the_shop(admin: Admin) -> None:
    query = """{ shop { name myshopifyDomain currencyCode ianaTimezone plan { publicDisplayName } }
      locations(first: 10, includeInactive: true) { nodes { id name isActive } }
      customers(first: 2, sortKey: ID) { nodes { id email numberOfOrders
        amountSpent { amount currencyCode } defaultAddress { city } } } }"""
    data = await admin.data(query)
    shop = (await admin.rest("shop.json"))["shop"]
    assert data["shop"]["name"] == shop["name"] and data["shop"]["currencyCode"] == "USD"
    rest_locations = (await admin.rest("locations.json"))["locations"]
    assert {loc["id"] for loc in data["locations"]["nodes"]} == {
        loc["admin_graphql_api_id"] for loc in rest_locations
    }
    rest_customers = (await admin.rest("customers.json", limit="2"))["customers"]
    for mine, theirs in zip(data["customers"]["nodes"], rest_customers, strict=True):
        assert mine["email"] == theirs["email"]
        assert mine["numberOfOrders"] == str(theirs["orders_count"])
        assert mine["amountSpent"]["amount"] == theirs["total_spent"]


async def test_calls_are_counted_per_route_and_per_root_field(admin: Admin) -> None:
    admin.store.calls.reset()
    await admin.data("{ shop { name } orders(first: 1) { nodes { id } } }")
    await admin.data("{ shop { name } }")
    assert admin.store.calls.by_route[GRAPHQL_ROUTE] == 2
    assert admin.store.graphql.fields["query shop"] == 2
    assert admin.store.graphql.fields["query orders"] == 1
    async with admin.session.get(f"{admin.base}/_sandbox/graphql") as response:
        status = await response.json()
    assert status["byField"]["query shop"] == 2


async def test_scripted_faults_cover_the_graphql_route() -> None:
    store = build_store(orders=20)
    store.faults.fail_next(503)
    headers = {"X-Shopify-Access-Token": "shpat_sandbox_token"}
    async with serve(store.app) as base, aiohttp.ClientSession(headers=headers) as session:
        url = f"{base}/admin/api/{VERSION}/graphql.json"
        async with session.post(url, json={"query": "{ shop { name } }"}) as response:
            assert response.status == 503
        async with session.post(url, json={"query": "{ shop { name } }"}) as response:
            assert response.status == 200
    assert store.calls.by_route[GRAPHQL_ROUTE] == 2


def test_the_idempotent_mutations_are_read_from_the_schemas_descriptions() -> None:
    required = idempotent_mutations()
    assert {"refundCreate", "inventoryAdjustQuantities", "inventorySetQuantities"} <= required
    assert "productVariantsBulkUpdate" not in required and "orderCancel" not in required
