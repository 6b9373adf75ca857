"""Amazon writes against the sandbox: merchant stock and price by patchListingsItem, FBA stock
refused, shipments by confirmShipment, and cancellations by feed, in flight until the
feed's processing report, whose verdict is the write's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from platforms.amazon.client import AmazonClient
from platforms.amazon.client_feeds import CREATING, FEED_ID, FEED_STAGE, UPLOADING
from platforms.amazon.mapping.catalog import MERCHANT, fba_location
from platforms.amazon.sandbox.seed import HOME_MARKETPLACE
from platforms.amazon.writes.writer import AmazonWriter
from platforms.errors import UnsupportedOnPlatformError
from platforms.writes.commands import (
    AdjustInventory,
    CancelOrder,
    CreateFulfillment,
    CreateRefund,
    LineQuantity,
    OutcomeUnknownError,
    SetInventory,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
    WriteRefusedError,
)
from tests.platforms.amazon.conftest import UNPACED, Served


@pytest.fixture
async def writer(served: Served) -> AsyncIterator[AmazonWriter]:
    client = served.client(rate_limit=UNPACED)
    assert isinstance(client, AmazonClient)
    try:
        yield AmazonWriter(client)
    finally:
        await client.aclose()


async def run(writer: AmazonWriter, command: WriteCommand, key: str = "op-1") -> WriteOutcome:
    checkpoint = await writer.prepare(command, operation_key=key)
    return await writer.execute(command, operation_key=key, checkpoint=checkpoint)


def _sku(served: Served, fba: bool) -> str:
    state = served.sandbox.state
    return next(s for s in sorted(state.purchasable()) if state.is_fba(s) == fba)


def _order(served: Served, by: str, status: str) -> str:
    return next(
        o["orderId"]
        for o in served.sandbox.state.orders.values()
        if (o["fulfillment"]["fulfilledBy"], o["fulfillment"]["fulfillmentStatus"]) == (by, status)
    )


async def test_merchant_stock_and_price_are_patched(served: Served, writer: AmazonWriter) -> None:
    sku = _sku(served, fba=False)
    assert (await run(writer, SetInventory(sku, MERCHANT, 40))).data["available"] == 40
    adjust = AdjustInventory(sku, MERCHANT, -3)
    checkpoint = await writer.prepare(adjust, operation_key="adj")
    assert await writer.reconcile(adjust, operation_key="adj", checkpoint=checkpoint) is None
    done = await writer.execute(adjust, operation_key="adj", checkpoint=checkpoint)
    assert done.data["available"] == 37 and done.platform_request_id
    found = await writer.reconcile(adjust, operation_key="adj", checkpoint=checkpoint)
    assert found is not None and found.data == done.data
    await run(writer, UpdateVariantPrice(sku, "23.45"))
    levels = await writer.client.get_inventory_levels([sku])
    assert [lv.available for lv in levels[sku]] == [37]
    item = served.sandbox.state.listings[sku]
    home = next(o for o in item["offers"] if o["marketplaceId"] == HOME_MARKETPLACE)
    assert home["price"]["amount"] == "23.45"
    assert served.sandbox.calls.by_route["PATCH /listings/2021-08-01/items/{sellerId}/{sku}"] == 3


async def test_fba_stock_is_refused_as_unsupported(served: Served, writer: AmazonWriter) -> None:
    fba = _sku(served, fba=True)
    for command in (
        SetInventory(fba, fba_location(HOME_MARKETPLACE), 5),
        SetInventory(fba, MERCHANT, 5),
    ):
        with pytest.raises(UnsupportedOnPlatformError) as caught:
            await run(writer, command)
        assert "FBA" in caught.value.message and caught.value.store_id == "amz"
    assert not [r for r in served.sandbox.calls.by_route if not r.startswith("GET ")]


async def test_a_merchant_order_is_shipped_with_its_package(
    served: Served, writer: AmazonWriter
) -> None:
    order_id = _order(served, "MERCHANT", "UNSHIPPED")
    command = CreateFulfillment(order_id, tracking_company="UPS", tracking_number="1Z999AA10")
    done = await run(writer, command, "ship-1")
    assert done.data["tracking_number"] == "1Z999AA10" and done.data["lines"]
    assert await writer.reconcile(command, operation_key="ship-1", checkpoint={}) == done
    assert served.sandbox.state.orders[order_id]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    with pytest.raises(UnsupportedOnPlatformError):  # Amazon ships its own orders
        await run(
            writer, CreateFulfillment(_order(served, "AMAZON", "UNSHIPPED"), tracking_number="X")
        )


async def test_a_cancellation_is_in_flight_until_the_processing_report(
    served: Served, writer: AmazonWriter
) -> None:
    order_id = _order(served, "MERCHANT", "UNSHIPPED")
    done = await run(writer, CancelOrder(order_id, reason="customer"))
    assert done.data["status"] == "CANCELLED" and done.data["feed_id"]
    by_route = served.sandbox.calls.by_route
    assert by_route["GET /feeds/2021-06-30/feeds/{feedId}"] >= 2  # polled while IN_QUEUE/PROGRESS
    assert by_route["GET /feeds/2021-06-30/documents/{docId}"] == 1  # then the report
    shipped = _order(served, "MERCHANT", "SHIPPED")
    with pytest.raises(WriteRefusedError) as caught:  # the report's verdict is the write's
        await run(writer, CancelOrder(shipped))
    assert "cannot be cancelled" in caught.value.message


async def test_a_refund_is_in_flight_until_the_payment_adjustment_report_then_on_the_order(
    served: Served, writer: AmazonWriter
) -> None:
    state = served.sandbox.state
    order_id = next(
        o["orderId"]
        for o in state.orders.values()
        if o["fulfillment"]["fulfilledBy"] == "MERCHANT"
        and o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
        and o["orderId"] not in state.refunds  # the seed refunded some already
    )
    item = state.orders[order_id]["orderItems"][0]
    unit = item["product"]["price"]["unitPrice"]
    command = CreateRefund(order_id, lines=(LineQuantity(item["orderItemId"], 1),), reason="r")
    done = await run(writer, command, "refund-1")
    by_route = served.sandbox.calls.by_route
    assert by_route["GET /feeds/2021-06-30/feeds/{feedId}"] >= 2  # in flight while processing
    assert by_route["GET /feeds/2021-06-30/documents/{docId}"] == 1  # the verdict
    assert done.data["feed_id"] and done.data["refund"]["amount"]["amount"] == unit["amount"]
    assert done.data["lines"] == [{"line_item_id": item["orderItemId"], "quantity": 1}]

    (refund,) = (await writer.client.get_refunds([order_id]))[order_id]  # Finances API
    assert (str(refund.amount.amount), refund.amount.currency_code) == (
        unit["amount"],
        unit["currencyCode"],
    )
    assert [(x.line_item_external_id, x.quantity) for x in refund.lines] == [
        (item["orderItemId"], 1)
    ]
    # in doubt with the feed's id kept (the queue saves it once createFeed answers): the same
    # feed is followed to its report, and no second feed is sent
    created = by_route["POST /feeds/2021-06-30/feeds"]
    kept = {"marketplace": HOME_MARKETPLACE, FEED_ID: done.data["feed_id"]}
    assert await writer.reconcile(command, operation_key="refund-1", checkpoint=kept) == done
    assert by_route["POST /feeds/2021-06-30/feeds"] == created
    # stopped before createFeed: no feed can exist, so it is sent (None: not applied)
    early = {FEED_STAGE: UPLOADING}
    assert await writer.reconcile(command, operation_key="refund-1", checkpoint=early) is None
    for lost in ({FEED_STAGE: CREATING}, {}):  # createFeed's answer lost, or no record kept
        with pytest.raises(OutcomeUnknownError):  # the Orders API cannot tell: never twice
            await writer.reconcile(command, operation_key="refund-1", checkpoint=lost)
    too_much = CreateRefund(order_id, lines=(LineQuantity(item["orderItemId"], 99),))
    with pytest.raises(WriteRefusedError):  # more than ordered: refused before sending
        await run(writer, too_much)
    if item["quantityOrdered"] == 1:  # all of it refunded: the report refuses a second one
        with pytest.raises(WriteRefusedError) as caught:
            await run(writer, command, "refund-2")
        assert "exceeds what was charged" in caught.value.message


async def test_refunds_amazon_cannot_take_are_refused_with_the_reason(
    served: Served, writer: AmazonWriter
) -> None:
    seeded = {k: list(v) for k, v in served.sandbox.state.refunds.items()}
    unshipped = _order(served, "MERCHANT", "UNSHIPPED")
    item = served.sandbox.state.orders[unshipped]["orderItems"][0]["orderItemId"]
    with pytest.raises(WriteRefusedError) as caught:  # the report's verdict is the write's
        await run(writer, CreateRefund(unshipped, lines=(LineQuantity(item, 1),)))
    assert "cannot be adjusted" in caught.value.message
    fba = _order(served, "AMAZON", "SHIPPED")
    with pytest.raises(UnsupportedOnPlatformError) as refused:
        await run(writer, CreateRefund(fba, lines=(LineQuantity("x", 1),)))
    assert "FBA" in refused.value.message
    with pytest.raises(UnsupportedOnPlatformError) as refused:
        await run(writer, CreateRefund(unshipped, amount="5.00"))
    assert "per item" in refused.value.message
    assert served.sandbox.state.refunds == seeded  # nothing refunded
