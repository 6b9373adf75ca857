"""Ground truth of a BigCommerce sandbox store, in canonical ids (for the contract suite)."""

from __future__ import annotations

from platforms.bigcommerce.sandbox.seed import StoreState
from platforms.sandbox.kit import SandboxFacts


def bigcommerce_facts(state: StoreState) -> SandboxFacts:
    """Orders as V2 lists them (not incomplete, not deleted); products with their variants;
    each variant is its own inventory item, with a level where it has a stock record."""
    orders = {
        str(oid): state.modified[oid]
        for oid, order in state.orders.items()
        if order["status_id"] != 0 and not order["is_deleted"]
    }
    products = {
        str(pid): tuple(str(v["id"]) for v in product["variants"])
        for pid, product in state.products.items()
    }
    levels: dict[str, set[str]] = {}
    for vid, lid in state.stock:
        levels.setdefault(str(vid), set()).add(str(lid))
    variants = [v for ids in products.values() for v in ids]
    return SandboxFacts(
        orders=orders,
        products=products,
        inventory_items={v: v for v in variants},
        levels={v: frozenset(levels.get(v, ())) for v in variants},
        locations=tuple(str(lid) for lid in state.locations),
    )
