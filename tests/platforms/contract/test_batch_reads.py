"""Contract: batch reads return one result per key found, and simply lack missing keys."""

from __future__ import annotations

import pytest

from platforms.adapter import OrderQuery, ProductQuery, VariantKey
from tests.platforms.contract.support import MISSING_ID, Store


def spread(ids: list[str], count: int) -> list[str]:
    """`count` ids taken evenly across `ids` (deterministic, covers old and new objects)."""
    step = max(1, len(ids) // count)
    return sorted(ids)[::step][:count]


async def test_get_orders_returns_exactly_the_existing_keys_as_listed(store: Store) -> None:
    listed = await store.client.list_orders(OrderQuery(), cursor=None, limit=40)
    wanted = spread([o.external_id for o in listed.items], 25)

    found = await store.client.get_orders([*wanted, MISSING_ID, wanted[0], "not-an-id"])

    assert set(found) == set(wanted)
    by_id = {o.external_id: o for o in listed.items}
    for external_id, order in found.items():
        assert order == by_id[external_id]  # the same canonical order, whichever way read


async def test_get_products_returns_exactly_the_existing_keys_as_listed(store: Store) -> None:
    listed = await store.client.list_products(ProductQuery(), cursor=None, limit=40)
    wanted = spread([p.external_id for p in listed.items], 20)

    found = await store.client.get_products([*wanted, MISSING_ID, wanted[0]])

    assert set(found) == set(wanted)
    by_id = {p.external_id: p for p in listed.items}
    for external_id, product in found.items():
        assert product == by_id[external_id]


@pytest.mark.parametrize("complete_parents", [True, False], ids=["complete", "partial-ok"])
async def test_get_variants_with_and_without_parent_hints(
    store: Store, complete_parents: bool
) -> None:
    parents = store.facts.variants
    ids = spread(list(parents), 30)
    hinted, unhinted = ids[::2], ids[1::2]
    keys = [VariantKey(v, parents[v]) for v in hinted] + [VariantKey(v) for v in unhinted]
    some_product = parents[ids[0]]
    keys += [VariantKey(MISSING_ID, some_product), VariantKey(MISSING_ID)]

    batch = await store.client.get_variants(keys, complete_parents=complete_parents)

    assert set(batch.variants) == set(ids)
    for variant_id, variant in batch.variants.items():
        assert variant.external_id == variant_id
        assert variant.product_external_id == parents[variant_id]
        assert variant.inventory_item_id == store.facts.inventory_items[variant_id]
    for product_id, product in batch.products.items():
        # a parent handed back is complete: never a partial variant list
        assert sorted(v.external_id for v in product.variants) == sorted(
            store.facts.products.get(product_id, (product_id,))
        )
    # a partial parent (on a consistent store, only when allowed) holds some of its own
    # variants, as fetched
    assert complete_parents is False or not batch.partial_products
    assert not batch.partial_products.keys() & batch.products.keys()
    for product_id, product in batch.partial_products.items():
        own = set(store.facts.products[product_id])
        assert {v.external_id for v in product.variants} < own
        for variant in product.variants:
            assert variant == batch.variants.get(variant.external_id, variant)


async def test_inventory_levels_per_item_at_the_locations_that_stock_it(store: Store) -> None:
    items = spread(sorted(store.facts.levels), 30)

    found = await store.client.get_inventory_levels([*items, MISSING_ID, items[0]])

    assert set(found) == set(items)
    for item, levels in found.items():
        assert {lv.inventory_item_id for lv in levels} == {item}
        assert {lv.location_external_id for lv in levels} == store.facts.levels[item]
        assert len(levels) == len(store.facts.levels[item])  # one level per location


async def test_locations_are_the_stores_locations(store: Store) -> None:
    locations = await store.client.list_locations()
    assert sorted(loc.external_id for loc in locations) == sorted(store.facts.locations)


async def test_batches_of_nothing_but_missing_ids_are_empty(store: Store) -> None:
    assert await store.client.get_orders([MISSING_ID]) == {}
    assert await store.client.get_products([MISSING_ID]) == {}
    assert (await store.client.get_variants([VariantKey(MISSING_ID)])).variants == {}
    assert await store.client.get_inventory_levels([MISSING_ID]) == {}
