"""Contract: every canonical field is mapped where the platform has it, with the right types,
and every id the mapping hands out resolves back through the batch reads."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from platforms.adapter import OrderQuery, PlatformClient, ProductQuery, TaxLineReads, VariantKey
from platforms.canonical import InventoryLevel, Location, Money, Order, Product
from tests.platforms.contract.support import Store, walk

# Fields that carry no platform data to check: bookkeeping, the raw payload, and stock a
# platform may inline on variants (checked against the inventory reads below instead).
# mapping_version: set on events, not by mappers (docs/money.md, mapping versions)
NOT_DATA = {"kind", "store_id", "platform", "raw", "inline_inventory", "mapping_version"}
# No platform's read API puts custom fields on these; nothing to map.
NOWHERE = {"Location.custom_fields", "InventoryLevel.custom_fields"}


class Catalogue:
    """Everything a store serves, read through its client."""

    def __init__(
        self,
        orders: list[Order],
        products: list[Product],
        locations: list[Location],
        levels: dict[str, list[InventoryLevel]],
    ) -> None:
        self.orders = orders
        self.products = products
        self.locations = locations
        self.levels = levels

    def objects(self) -> list[BaseModel]:
        """Every canonical object, nested ones included."""
        found: list[BaseModel] = []
        roots: list[BaseModel] = [*self.orders, *self.products, *self.locations]
        roots += [lv for levels in self.levels.values() for lv in levels]
        for root in roots:
            collect(root, found)
        return found


def collect(model: BaseModel, found: list[BaseModel]) -> None:
    found.append(model)
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, BaseModel):
                collect(item, found)


async def read_everything(store: Store) -> Catalogue:
    client = store.client
    orders, _ = await walk(lambda c: client.list_orders(OrderQuery(), cursor=c, limit=100))
    orders = await with_tax_lines(client, orders)
    products, _ = await walk(lambda c: client.list_products(ProductQuery(), cursor=c, limit=100))
    variants = [v for p in products for v in p.variants if v.inventory_item_id]
    # stock a platform inlines on variants is what the gateway uses, at no extra call;
    # a sample of it is compared with the inventory read in the id round-trip test.
    asked = [v.inventory_item_id for v in variants if v.inline_inventory is None]
    levels = dict(await client.get_inventory_levels([i for i in asked if i]))
    for v in variants:
        if v.inline_inventory is not None and v.inventory_item_id:
            levels[v.inventory_item_id] = list(v.inline_inventory)
    return Catalogue(orders, products, await client.list_locations(), levels)


async def with_tax_lines(client: PlatformClient, orders: list[Order]) -> list[Order]:
    """Orders with the tax lines a `taxLines` selection reads, where the platform lists
    them apart from the order (`TaxLineReads`)."""
    if not isinstance(client, TaxLineReads):
        return orders
    asked = [o.external_id for o in orders if client.embedded_tax_lines(o) is None]
    taxes = await client.get_tax_lines(asked)
    return [
        o.model_copy(update={"tax_lines": tuple(taxes.get(o.external_id, o.tax_lines))})
        for o in orders
    ]


def populated(value: Any) -> bool:
    return value not in (None, "", (), {})


async def test_every_canonical_field_is_mapped_where_the_platform_has_it(store: Store) -> None:
    catalogue = await read_everything(store)
    seen: dict[str, bool] = defaultdict(bool)
    for obj in catalogue.objects():
        cls = type(obj).__name__
        for name in type(obj).model_fields:
            if name not in NOT_DATA and cls not in ("Money", "CustomField"):
                seen[f"{cls}.{name}"] |= populated(getattr(obj, name))

    absent = set(store.spec.absent_fields) | NOWHERE
    never = sorted(f for f, hit in seen.items() if not hit and f not in absent)
    assert never == [], f"never populated from the sandbox: {never}"
    # the declared gaps are real gaps (a mapper that learns a field must drop the note)
    assert sorted(f for f in store.spec.absent_fields if seen.get(f)) == []
    for model in ("Order", "LineItem", "Product", "Variant", "InventoryLevel", "Location"):
        assert any(f.startswith(f"{model}.") for f in seen), f"no {model} was read"


async def test_money_is_decimal_in_the_right_currency_and_times_are_utc(store: Store) -> None:
    catalogue = await read_everything(store)
    for order in catalogue.orders:
        for money in monies(order):
            assert isinstance(money.amount, Decimal)
            assert money.currency_code == order.currency_code
    for product in catalogue.products:
        for money in monies(product):
            assert money.currency_code == store.connection.currency_code
    for obj in catalogue.objects():
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, datetime):
                assert value.utcoffset() == timedelta(0), f"{type(obj).__name__}.{name}"


def monies(model: BaseModel) -> list[Money]:
    found: list[BaseModel] = []
    collect(model, found)
    return [m for m in found if isinstance(m, Money)]


async def test_order_totals_reconcile(store: Store) -> None:
    """line totals + shipping + tax - discounts = total, within a cent per line (rounding)."""
    catalogue = await read_everything(store)
    for order in catalogue.orders:
        lines = sum((li.unit_price.amount * li.quantity for li in order.line_items), Decimal(0))
        expected = (
            lines
            + order.total_shipping.amount
            + order.total_tax.amount
            - order.total_discounts.amount
        )
        tolerance = Decimal("0.01") * max(1, len(order.line_items))
        assert abs(order.total_price.amount - expected) <= tolerance, order.external_id


async def test_every_id_handed_out_resolves_through_the_batch_reads(store: Store) -> None:
    catalogue = await read_everything(store)
    client = store.client
    lines = [li for o in catalogue.orders for li in o.line_items]

    orders = await client.get_orders([o.external_id for o in catalogue.orders])
    by_id = await with_tax_lines(client, list(orders.values()))
    assert {o.external_id: o for o in by_id} == {o.external_id: o for o in catalogue.orders}

    product_ids = {li.product_external_id for li in lines if li.product_external_id}
    assert set(await client.get_products(sorted(product_ids))) == product_ids

    keys = {
        VariantKey(li.variant_external_id, li.product_external_id)
        for li in lines
        if li.variant_external_id
    }
    batch = await client.get_variants(sorted(keys, key=lambda k: k.external_id))
    assert set(batch.variants) == {k.external_id for k in keys}
    for key in keys:
        if key.product_external_id is not None:  # Amazon's lines name no product
            assert batch.variants[key.external_id].product_external_id == key.product_external_id

    location_ids = {loc.external_id for loc in catalogue.locations}
    variants = [v for p in catalogue.products for v in p.variants]
    for variant in variants:
        assert variant.inventory_item_id in catalogue.levels, variant.external_id
        levels = catalogue.levels[variant.inventory_item_id]
        assert {lv.location_external_id for lv in levels} <= location_ids
    inline = [v for v in variants if v.inline_inventory is not None][::20]
    read = await client.get_inventory_levels([v.inventory_item_id or "" for v in inline])
    for variant in inline:
        # stock that rides on the variant is the same stock the inventory read returns
        assert list(variant.inline_inventory or ()) == read[variant.inventory_item_id or ""]
