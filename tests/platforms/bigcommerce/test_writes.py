"""BigCommerce writes against the sandbox over real sockets: what each sends, what it reads
back, and what its reconcile finds after an unknown outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from platforms.adapter import VariantKey
from platforms.bigcommerce import SPEC
from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.bigcommerce.writes.writer import BigCommerceWriter
from platforms.canonical import FinancialStatus, OrderStatus
from platforms.sandbox.kit import serve
from platforms.writes.commands import (
    AdjustInventory,
    CancelOrder,
    CreateFulfillment,
    CreateRefund,
    LineQuantity,
    SetInventory,
    StockChangedError,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
)


class Store:
    def __init__(self, sandbox: BigCommerceSandbox, client: BigCommerceClient) -> None:
        self.sandbox, self.client = sandbox, client
        self.writer = SPEC.create_writer(client) if SPEC.create_writer else None
        assert isinstance(self.writer, BigCommerceWriter)

    async def run(self, command: WriteCommand, key: str) -> WriteOutcome:
        assert self.writer is not None
        checkpoint = await self.writer.prepare(command, operation_key=key)
        return await self.writer.execute(command, operation_key=key, checkpoint=checkpoint)

    async def available(self, variant: str, location: str) -> int | None:
        levels = await self.client.get_inventory_levels([variant])
        return next(
            (lv.available for lv in levels.get(variant, []) if lv.location_external_id == location),
            None,
        )


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    sandbox = BigCommerceSandbox(seed=2, orders=60, products=20)
    async with serve(sandbox.app) as url:
        client = SPEC.create_client(sandbox.connection("w", url), None)
        assert isinstance(client, BigCommerceClient)
        try:
            yield Store(sandbox, client)
        finally:
            await client.aclose()


def never_set(sandbox: BigCommerceSandbox) -> tuple[str, str]:
    """A (variant, location) without a stock record: relative adjustments there are 422s."""
    for variant in sorted(sandbox.facts().inventory_items):
        for location in ("2", "3"):
            if (int(variant), int(location)) not in sandbox.state.stock:
                return variant, location
    raise AssertionError("every variant is stocked everywhere")


async def test_a_relative_adjustment_where_stock_was_never_set_is_made_absolute(
    store: Store,
) -> None:
    variant, location = never_set(store.sandbox)
    assert await store.available(variant, location) is None
    store.sandbox.calls.reset()

    outcome = await store.run(AdjustInventory(variant, location, 7), "adj-never")

    assert outcome.data["available"] == 7
    assert await store.available(variant, location) == 7
    routes = store.sandbox.calls.by_route
    assert (
        routes[
            "POST /stores/{hash}/v3/inventory/adjustments/relative".replace("{hash}", "cg4b1gc0")
        ]
        == 1
    )
    assert store.sandbox.writes.log.applied[-1] == f"stock:{variant}:{location}=abs7"


async def test_adjust_then_reconcile_tells_applied_from_not(store: Store) -> None:
    variant, location = "301", "1"
    before = await store.available(variant, location)
    assert before is not None and store.writer is not None
    command = AdjustInventory(variant, location, -2)
    checkpoint = await store.writer.prepare(command, operation_key="adj")
    assert await store.writer.reconcile(command, operation_key="adj", checkpoint=checkpoint) is None

    await store.writer.execute(command, operation_key="adj", checkpoint=checkpoint)

    found = await store.writer.reconcile(command, operation_key="adj", checkpoint=checkpoint)
    assert found is not None and found.data["available"] == before - 2
    assert store.sandbox.writes.log.count(f"stock:{variant}:{location}=-2") == 1


async def test_set_stock_is_available_to_sell_with_the_safety_stock_kept(store: Store) -> None:
    variant, location = next(
        (str(v), str(lo)) for (v, lo), r in sorted(store.sandbox.state.stock.items()) if r["safety"]
    )
    await store.run(SetInventory(variant, location, 12), "set")
    assert await store.available(variant, location) == 12
    record = store.sandbox.state.stock[(int(variant), int(location))]
    assert record["onhand"] == 12 + record["safety"]


async def test_a_price_with_compare_at_is_a_sale_price_on_the_v3_variant(store: Store) -> None:
    product = next(iter(store.sandbox.state.products.values()))
    variant = str(product["variants"][0]["id"])

    outcome = await store.run(UpdateVariantPrice(variant, "19.50", "25.00"), "price")

    assert outcome.data == {"variant_id": variant, "price": "19.5", "compare_at_price": "25"}
    read = (await store.client.get_variants([VariantKey(variant)])).variants[variant]
    assert read.price.amount == Decimal("19.50") and read.compare_at_price is not None
    assert read.compare_at_price.amount == Decimal("25.00")


async def test_cancel_ship_and_refund_an_order(store: Store) -> None:
    open_orders = [o for o, p in sorted(store.sandbox.state.orders.items()) if p["status_id"] == 11]
    to_cancel, to_ship = str(open_orders[0]), str(open_orders[1])

    await store.run(CancelOrder(to_cancel), "cancel")
    assert (await store.client.get_orders([to_cancel]))[to_cancel].status is OrderStatus.CANCELLED

    ship = CreateFulfillment(to_ship, tracking_company="ups", tracking_number="1Z999")
    shipped = await store.run(ship, "ship")
    assert shipped.data["fulfillment"]["tracking_numbers"] == ["1Z999"]
    assert store.writer is not None
    again = await store.writer.reconcile(ship, operation_key="ship", checkpoint={})
    assert again is not None and again.data == shipped.data
    assert await store.writer.reconcile(ship, operation_key="other", checkpoint={}) is None

    order = (await store.client.get_orders([to_ship]))[to_ship]
    line = order.line_items[0]
    refund = CreateRefund(to_ship, lines=(LineQuantity(line.external_id, 1),), reason="damaged")
    made = await store.run(refund, "refund")
    assert made.data["refund"]["lines"][0]["line_item_external_id"] == line.external_id
    found = await store.writer.reconcile(refund, operation_key="refund", checkpoint={})
    assert found is not None and found.data == made.data
    after = (await store.client.get_orders([to_ship]))[to_ship]
    assert after.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert (await store.client.get_refunds([to_ship]))[to_ship][0].note.startswith("damaged")  # type: ignore[union-attr]


async def test_a_compare_and_swap_on_changed_stock_writes_nothing(store: Store) -> None:
    before = await store.available("301", "1")
    assert before is not None
    applied = list(store.sandbox.writes.log.applied)

    with pytest.raises(StockChangedError) as refused:
        await store.run(SetInventory("301", "1", 5, expected_available=before + 1), "cas")

    assert refused.value.details == {"available": before, "expected_available": before + 1}
    assert store.sandbox.writes.log.applied == applied
    await store.run(AdjustInventory("301", "1", 3, expected_available=before), "cas-ok")
    assert await store.available("301", "1") == before + 3
