"""Ground truth of an Amazon sandbox store, in canonical ids (for the contract suite)."""

from __future__ import annotations

from datetime import datetime

from platforms.amazon.mapping.catalog import MERCHANT, fba_location
from platforms.amazon.sandbox.seed import MARKETPLACES, AmazonState
from platforms.sandbox.kit import SandboxFacts


def amazon_facts(state: AmazonState) -> SandboxFacts:
    """A product is a variation parent or a standalone listing (its own only variant); a
    variant's inventory item is its SKU, stocked in each marketplace's FBA network when
    Amazon fulfils it, else at the merchant's location."""
    products = {root: tuple(state.children(root)) or (root,) for root in state.roots()}
    variants = [v for ids in products.values() for v in ids]
    fba = frozenset(fba_location(m) for m, _, _, _ in MARKETPLACES)
    return SandboxFacts(
        orders={
            o["orderId"]: datetime.fromisoformat(o["lastUpdatedTime"])
            for o in state.orders.values()
        },
        products=products,
        inventory_items={v: v for v in variants},
        levels={v: fba if state.is_fba(v) else frozenset({MERCHANT}) for v in variants},
        locations=(MERCHANT, *sorted(fba)),
    )
