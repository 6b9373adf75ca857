"""Sandbox Admin GraphQL writes: idempotency keys, compare-and-swap, REST's state and webhooks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.platforms.shopify.sandbox.conftest import Admin

ADJUST = """mutation($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason changes(quantityNames: ["available"]) {
      name delta quantityAfterChange } }
    userErrors { field message code } } }"""
SET = """mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "set-1") {
    inventoryAdjustmentGroup { changes { name quantityAfterChange } }
    userErrors { field message code } } }"""
REFUND = """mutation($input: RefundInput!) {
  refundCreate(input: $input) @idempotent(key: "refund-1") {
    refund { id totalRefundedSet { shopMoney { amount } } }
    userErrors { field message } } }"""


def _level(admin: Admin) -> tuple[dict[str, Any], dict[str, Any]]:
    """(stock input naming a level, the level) for a level with stock."""
    state = admin.store.state
    level = next(lv for lv in state.inventory_levels.values() if lv["available"] > 10)
    change = {
        "inventoryItemId": f"gid://shopify/InventoryItem/{level['inventory_item_id']}",
        "locationId": f"gid://shopify/Location/{level['location_id']}",
    }
    return change, level


def _adjust(change: dict[str, Any], delta: int, expected: int | None) -> dict[str, Any]:
    row = {**change, "delta": delta, "changeFromQuantity": expected}
    return {"name": "available", "reason": "correction", "changes": [row]}


async def test_a_required_idempotency_key_must_be_given(admin: Admin) -> None:
    change, level = _level(admin)
    before = level["available"]
    query = ADJUST.replace(" @idempotent(key: $key)", "").replace(", $key: String!", "")
    status, body = await admin.post(query, {"input": _adjust(change, 1, None)})
    assert status == 200
    assert body["data"] == {"inventoryAdjustQuantities": None}
    [error] = body["errors"]
    assert error["message"] == (
        "The @idempotent directive is required for this mutation but was not provided."
    )
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["path"] == ["inventoryAdjustQuantities"]
    assert level["available"] == before and admin.store.writes.applied == []


async def test_the_same_key_answers_the_first_result_without_a_second_effect(
    admin: Admin,
) -> None:
    change, level = _level(admin)
    before = level["available"]
    first = await admin.data(ADJUST, {"input": _adjust(change, 3, before), "key": "k-1"})
    again = await admin.data(ADJUST, {"input": _adjust(change, 3, before), "key": "k-1"})
    assert again == first
    group = first["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]
    assert group["changes"] == [
        {"name": "available", "delta": 3, "quantityAfterChange": before + 3}
    ]
    assert level["available"] == before + 3
    assert admin.store.writes.count("adjust:") == 1
    assert [topic for topic, _ in admin.webhooks] == ["inventory_levels/update"]
    # the webhook body is REST's JSON, as Shopify sends it
    body = admin.webhooks[0][1]
    assert (body["inventory_item_id"], body["available"]) == (
        level["inventory_item_id"],
        before + 3,
    )

    other = await admin.data(ADJUST, {"input": _adjust(change, 4, None), "key": "k-1"})
    errors = other["inventoryAdjustQuantities"]["userErrors"]
    assert errors == [
        {
            "field": None,
            "message": "The same idempotency key cannot be used with different operation parameters.",
            "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        }
    ]
    assert level["available"] == before + 3


async def test_compare_and_swap_mismatch_changes_nothing(admin: Admin) -> None:
    change, level = _level(admin)
    before = level["available"]
    row = {**change, "quantity": 5, "changeFromQuantity": before - 1}
    data = await admin.data(
        SET, {"input": {"name": "available", "reason": "correction", "quantities": [row]}}
    )
    assert data["inventorySetQuantities"] == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "field": ["input", "quantities", "0", "changeFromQuantity"],
                "message": "The changeFromQuantity value does not match persisted value.",
                "code": "CHANGE_FROM_QUANTITY_STALE",
            }
        ],
    }
    assert level["available"] == before and admin.webhooks == []


async def test_change_from_quantity_must_be_named_even_as_null(admin: Admin) -> None:
    change, level = _level(admin)
    row = {**change, "quantity": 5}
    _, body = await admin.post(
        SET, {"input": {"name": "available", "reason": "correction", "quantities": [row]}}
    )
    assert body["errors"][0]["message"] == (
        "InventoryQuantityInput must include the following argument: changeFromQuantity."
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_FIELD_ARGUMENTS"}
    row["changeFromQuantity"] = None  # null: no check
    data = await admin.data(
        SET, {"input": {"name": "available", "reason": "correction", "quantities": [row]}}
    )
    assert data["inventorySetQuantities"]["userErrors"] == []
    assert level["available"] == 5
    rest = await admin.rest(
        "inventory_levels.json", inventory_item_ids=str(level["inventory_item_id"])
    )
    by_location = {lv["location_id"]: lv["available"] for lv in rest["inventory_levels"]}
    assert by_location[level["location_id"]] == 5  # REST reads what GraphQL wrote


async def test_variant_prices_through_graphql_read_back_over_rest(admin: Admin) -> None:
    product = admin.store.state.products[2]
    variant = product["variants"][0]
    query = """mutation($id: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $id, variants: $variants) {
        productVariants { price compareAtPrice } userErrors { field message code } } }"""
    rows = [{"id": variant["admin_graphql_api_id"], "price": "19.50", "compareAtPrice": "25.00"}]
    data = await admin.data(query, {"id": product["admin_graphql_api_id"], "variants": rows})
    assert data["productVariantsBulkUpdate"]["productVariants"] == [
        {"price": "19.50", "compareAtPrice": "25.00"}
    ]
    assert (await admin.rest(f"variants/{variant['id']}.json"))["variant"]["price"] == "19.50"
    assert [t for t, _ in admin.webhooks] == ["products/update"]
    bad = [{"id": variant["admin_graphql_api_id"], "price": "-1"}]
    data = await admin.data(query, {"id": product["admin_graphql_api_id"], "variants": bad})
    [error] = data["productVariantsBulkUpdate"]["userErrors"]
    assert error["field"] == ["variants", "0", "price"]
    assert error["code"] == "GREATER_THAN_OR_EQUAL_TO"
    assert variant["price"] == "19.50"


async def _open_order(admin: Admin) -> dict[str, Any]:
    query = """{ orders(first: 1, query: "status:open financial_status:paid fulfillment_status:unshipped") {
      nodes { id legacyResourceId transactions { id kind }
        fulfillmentOrders(first: 1) { nodes { id lineItems(first: 10) {
          nodes { id remainingQuantity lineItem { id quantity } } } } } } } }"""
    order: dict[str, Any] = (await admin.data(query))["orders"]["nodes"][0]
    return order


async def test_order_cancel_is_a_job_and_sends_rests_webhooks(admin: Admin) -> None:
    order = await _open_order(admin)
    query = f"""mutation {{ orderCancel(orderId: "{order["id"]}", reason: CUSTOMER, restock: false) {{
      job {{ id done }} orderCancelUserErrors {{ field message code }} }} }}"""
    data = (await admin.data(query))["orderCancel"]
    assert data["job"]["done"] is False and data["orderCancelUserErrors"] == []
    job = await admin.data(f'{{ job(id: "{data["job"]["id"]}") {{ done }} }}')
    assert job == {"job": {"done": True}}
    rest = (await admin.rest(f"orders/{order['legacyResourceId']}.json"))["order"]
    assert rest["cancelled_at"] is not None and rest["cancel_reason"] == "customer"
    assert [t for t, _ in admin.webhooks] == ["orders/cancelled", "orders/updated"]
    assert admin.store.writes.applied == [f"cancel:{order['legacyResourceId']}"]
    again = (await admin.data(query))["orderCancel"]
    assert again["orderCancelUserErrors"][0]["code"] == "INVALID"


async def test_fulfillment_through_fulfillment_orders(admin: Admin) -> None:
    order = await _open_order(admin)
    fo = order["fulfillmentOrders"]["nodes"][0]
    line = fo["lineItems"]["nodes"][0]
    query = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
      fulfillment { status trackingInfo { number company } } userErrors { field message } } }"""
    items = [{"id": line["id"], "quantity": 1}]
    fulfillment = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items}
        ],
        "trackingInfo": {"company": "UPS", "number": "1Z999"},
    }
    data = (await admin.data(query, {"f": fulfillment}))["fulfillmentCreate"]
    assert data == {
        "fulfillment": {
            "status": "SUCCESS",
            "trackingInfo": [{"number": "1Z999", "company": "UPS"}],
        },
        "userErrors": [],
    }
    shipped = await admin.rest(f"orders/{order['legacyResourceId']}/fulfillments.json")
    assert shipped["fulfillments"][-1]["tracking_number"] == "1Z999"
    assert admin.webhooks[0][0] == "fulfillments/create"
    items[0]["quantity"] = line["remainingQuantity"] + 5
    data = (await admin.data(query, {"f": fulfillment}))["fulfillmentCreate"]
    assert data["fulfillment"] is None and data["userErrors"]


async def test_refund_with_suggested_amounts_is_created_once_per_key(admin: Admin) -> None:
    order = await _open_order(admin)
    line = order["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["lineItem"]
    sale = next(t for t in order["transactions"] if t["kind"] == "SALE")
    suggest = f"""{{ order(id: "{order["id"]}") {{ suggestedRefund(
      refundLineItems: [{{lineItemId: "{line["id"]}", quantity: 1}}]) {{
      amountSet {{ shopMoney {{ amount }} }} suggestedTransactions {{ parentTransaction {{ id }} }} }} }} }}"""
    suggested = (await admin.data(suggest))["order"]["suggestedRefund"]
    amount = suggested["amountSet"]["shopMoney"]["amount"]
    assert Decimal(amount) > 0
    assert suggested["suggestedTransactions"][0]["parentTransaction"]["id"] == sale["id"]
    refund = {
        "orderId": order["id"],
        "refundLineItems": [{"lineItemId": line["id"], "quantity": 1, "restockType": "NO_RESTOCK"}],
        "transactions": [
            {
                "orderId": order["id"],
                "parentId": sale["id"],
                "amount": amount,
                "gateway": "shopify_payments",
                "kind": "REFUND",
            }
        ],
    }
    first = await admin.data(REFUND, {"input": refund})
    again = await admin.data(REFUND, {"input": refund})
    assert first == again and first["refundCreate"]["userErrors"] == []
    assert first["refundCreate"]["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == amount
    rest = await admin.rest(f"orders/{order['legacyResourceId']}/refunds.json")
    assert len(rest["refunds"]) == 1  # one refund, whatever the retries
    assert admin.store.writes.count("refund:") == 1
    assert [t for t, _ in admin.webhooks] == ["refunds/create", "orders/updated"]


async def test_write_log_faults_apply_to_graphql_writes(admin: Admin) -> None:
    change, level = _level(admin)
    before = level["available"]
    admin.store.writes.fail_after_apply.append(503)
    status, _ = await admin.post(ADJUST, {"input": _adjust(change, 2, before), "key": "f-1"})
    assert status == 503  # applied, then the answer is lost
    assert level["available"] == before + 2
    # the retry with the same key is deduplicated by the key, as Shopify does
    data = await admin.data(ADJUST, {"input": _adjust(change, 2, before), "key": "f-1"})
    assert data["inventoryAdjustQuantities"]["userErrors"] == []
    assert level["available"] == before + 2 and admin.store.writes.count("adjust:") == 1


async def test_chaos_methods_and_the_ledger_treat_graphql_queries_as_reads(admin: Admin) -> None:
    change, _ = _level(admin)
    chaos = {"seed": 1, "before_apply": {"503": 1.0}, "methods": ["POST"]}
    async with admin.session.post(f"{admin.base}/_sandbox/chaos", json=chaos) as response:
        assert response.status == 200
    status, body = await admin.post("{ shop { name } }")
    assert status == 200 and "errors" not in body  # a query is a read: not faulted
    status, _ = await admin.post(ADJUST, {"input": _adjust(change, 1, None), "key": "c-1"})
    assert status == 503  # a mutation is a write: refused unapplied
    assert admin.store.writes.applied == []
    async with admin.session.delete(f"{admin.base}/_sandbox/chaos") as response:
        assert response.status == 200
    await admin.data(ADJUST, {"input": _adjust(change, 1, None), "key": "c-1"})
    await admin.data("{ shop { name } }")
    async with admin.session.get(f"{admin.base}/_sandbox/ledger") as response:
        entries = (await response.json())["entries"]
    assert len(entries) == 1  # the mutation; queries are not writes


async def test_the_ledger_lists_applied_mutations_only(admin: Admin) -> None:
    change, level = _level(admin)
    before = level["available"]
    await admin.data(ADJUST, {"input": _adjust(change, 2, before), "key": "l-1"})
    await admin.data(ADJUST, {"input": _adjust(change, 2, before), "key": "l-1"})  # known key
    stale = await admin.data(ADJUST, {"input": _adjust(change, 1, before), "key": "l-2"})
    assert stale["inventoryAdjustQuantities"]["userErrors"][0]["code"] == (
        "CHANGE_FROM_QUANTITY_STALE"
    )
    async with admin.session.get(f"{admin.base}/_sandbox/ledger") as response:
        entries = (await response.json())["entries"]
    # the deduplicated re-send and the refused write changed nothing: not in the ledger
    assert [e["body"]["variables"]["key"] for e in entries] == ["l-1"]
    assert level["available"] == before + 2


async def test_order_cancel_refunds_through_refund_method(admin: Admin) -> None:
    order = await _open_order(admin)
    query = f"""mutation {{ orderCancel(orderId: "{order["id"]}", reason: CUSTOMER,
      restock: false, refundMethod: {{ originalPaymentMethodsRefund: true }}) {{
      job {{ id }} orderCancelUserErrors {{ code }} }} }}"""
    assert (await admin.data(query))["orderCancel"]["orderCancelUserErrors"] == []
    number = order["legacyResourceId"]
    assert admin.store.writes.applied[-2:] == [f"cancel:{number}", f"refund:{number}"]
