"""The writers' shared reconcile of a stock adjustment, on every platform against its sandbox
over a real socket: not applied (send it), applied (its outcome), moved by someone else (a
person decides: never a guess, which would be a lost or doubled write)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from platforms.errors import UnsupportedOnPlatformError
from platforms.registry import PlatformSpec, all_specs, get_spec
from platforms.sandbox.kit import serve
from platforms.writes.commands import (
    AdjustInventory,
    CreateFulfillment,
    OutcomeUnknownError,
    PlatformWriter,
    SetInventory,
)

SPECS = all_specs()


@pytest.fixture(params=SPECS, ids=[s.platform.value for s in SPECS])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[tuple[PlatformWriter, str, str]]:
    """A writer on a served sandbox, and one (variant, location) pair that has stock."""
    spec: PlatformSpec = request.param
    assert spec.create_writer is not None
    sandbox = spec.create_sandbox(seed=5, orders=5, products=5)
    facts = sandbox.facts()
    variant, item = next(
        (v, i) for v, i in sorted(facts.inventory_items.items()) if facts.levels.get(i)
    )
    async with serve(sandbox.app) as url:
        connection = sandbox.connection("store-1", url)
        if "rest" in spec.apis:
            # the before/after comparison is the REST writers' reconcile: Shopify's GraphQL
            # writer re-sends with Shopify's own idempotency key instead (test_shopify_graphql_writes)
            connection = replace(connection, options={"api": "rest"})
        client = spec.create_client(connection, None)
        try:
            yield spec.create_writer(client), variant, sorted(facts.levels[item])[0]
        finally:
            await client.aclose()


async def _set(writer: PlatformWriter, variant: str, location: str, available: int) -> None:
    command = SetInventory(variant, location, available)
    checkpoint = await writer.prepare(command, operation_key=f"set-{available}")
    await writer.execute(command, operation_key=f"set-{available}", checkpoint=checkpoint)


async def test_reconcile_tells_not_sent_from_applied(
    store: tuple[PlatformWriter, str, str],
) -> None:
    writer, variant, location = store
    await _set(writer, variant, location, 20)  # a known level (WooCommerce may track none)
    adjust = AdjustInventory(variant, location, 3)
    checkpoint = await writer.prepare(adjust, operation_key="op-1")
    assert await writer.reconcile(adjust, operation_key="op-1", checkpoint=checkpoint) is None

    sent = await writer.execute(adjust, operation_key="op-1", checkpoint=checkpoint)
    found = await writer.reconcile(adjust, operation_key="op-1", checkpoint=checkpoint)
    assert found is not None
    assert found.data == sent.data
    assert found.data["available"] == 23
    assert found.data["location_id"] == location


async def test_reconcile_refuses_to_guess_when_the_stock_moved_otherwise(
    store: tuple[PlatformWriter, str, str],
) -> None:
    writer, variant, location = store
    await _set(writer, variant, location, 20)
    adjust = AdjustInventory(variant, location, 3)
    checkpoint = await writer.prepare(adjust, operation_key="op-2")
    await writer.execute(adjust, operation_key="op-2", checkpoint=checkpoint)
    await _set(writer, variant, location, 30)  # someone else's write: neither 20 nor 23

    with pytest.raises(OutcomeUnknownError) as caught:
        await writer.reconcile(adjust, operation_key="op-2", checkpoint=checkpoint)
    assert caught.value.code == "OUTCOME_UNKNOWN"
    assert (caught.value.store_id, caught.value.operation) == ("store-1", "adjust_inventory")
    assert "a person must decide" in str(caught.value)


async def test_woocommerce_adjustment_of_untracked_stock_reconciles() -> None:
    # A WooCommerce product may not track stock (manage_stock false, stock_quantity null):
    # an adjustment counts from 0 and turns tracking on, and a lost answer must still be
    # told apart (null: not applied; the delta: applied) rather than quarantined.
    spec = get_spec("woocommerce")
    sandbox = spec.create_sandbox(seed=5, orders=5, products=5)
    product = next(p for p in sandbox.state.products.values() if p["type"] == "simple")
    product.update(manage_stock=False, stock_quantity=None)
    async with serve(sandbox.app) as url:
        connection = sandbox.connection("store-1", url)
        if "rest" in spec.apis:
            # the before/after comparison is the REST writers' reconcile: Shopify's GraphQL
            # writer re-sends with Shopify's own idempotency key instead (test_shopify_graphql_writes)
            connection = replace(connection, options={"api": "rest"})
        client = spec.create_client(connection, None)
        try:
            writer = spec.create_writer(client)
            adjust = AdjustInventory(str(product["id"]), "default", 4)
            checkpoint = await writer.prepare(adjust, operation_key="op-3")
            assert (
                await writer.reconcile(adjust, operation_key="op-3", checkpoint=checkpoint) is None
            )
            sent = await writer.execute(adjust, operation_key="op-3", checkpoint=checkpoint)
            found = await writer.reconcile(adjust, operation_key="op-3", checkpoint=checkpoint)
            assert found is not None and found.data == sent.data
            assert found.data["available"] == 4
        finally:
            await client.aclose()


async def test_a_refused_write_names_its_store_and_platform() -> None:
    # the one error hierarchy carries store and platform on every error, refusals included
    spec = get_spec("woocommerce")
    sandbox = spec.create_sandbox(seed=5, orders=5, products=5)
    async with serve(sandbox.app) as url:
        connection = sandbox.connection("store-1", url)
        if "rest" in spec.apis:
            # the before/after comparison is the REST writers' reconcile: Shopify's GraphQL
            # writer re-sends with Shopify's own idempotency key instead (test_shopify_graphql_writes)
            connection = replace(connection, options={"api": "rest"})
        client = spec.create_client(connection, None)
        try:
            writer = spec.create_writer(client)
            for command in (
                CreateFulfillment(order_id="1"),
                AdjustInventory("100", "elsewhere", 1),
            ):
                with pytest.raises(UnsupportedOnPlatformError) as caught:
                    checkpoint = await writer.prepare(command, operation_key="op-4")
                    await writer.execute(command, operation_key="op-4", checkpoint=checkpoint)
                assert (caught.value.store_id, caught.value.platform) == ("store-1", "woocommerce")
        finally:
            await client.aclose()
