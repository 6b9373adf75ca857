"""The sandbox store's state and how it is built from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from platforms.magento.sandbox import seed
from platforms.magento.sandbox.seed_orders import build_orders


@dataclass
class MagentoState:
    """Everything the sandbox serves; mutable so tests can arrange edge cases."""

    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    source_items: list[dict[str, Any]] = field(default_factory=list)
    # documents created through the write API (seeded ones are derived from the orders)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    creditmemos: list[dict[str, Any]] = field(default_factory=list)
    currency: str = seed.CURRENCY

    def product_by_sku(self, sku: str) -> dict[str, Any] | None:
        """The product with this SKU (Magento SKUs are unique)."""
        return next((p for p in self.products.values() if p["sku"] == sku), None)


def build_state(seed_value: int, orders: int, products: int, msi: bool) -> MagentoState:
    """The whole store, identical for identical arguments."""
    rng = random.Random(seed_value)
    catalog, purchasable = seed.catalog(rng, products)
    for row in catalog.values():
        if row["type_id"] == "configurable":
            row["extension_attributes"]["stock_item"] = seed.stock_item(row["id"], 0)
    items = seed.source_items(rng, catalog, purchasable, msi)
    return MagentoState(
        products=catalog,
        orders=build_orders(rng, catalog, purchasable, orders),
        sources=seed.sources(),
        source_items=items,
    )
