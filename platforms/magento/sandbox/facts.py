"""Ground truth of a Magento sandbox store, in canonical ids (for the contract suite)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from platforms.magento.mapping.catalog import DEFAULT_SOURCE_CODE
from platforms.magento.sandbox.state import MagentoState
from platforms.sandbox.kit import SandboxFacts

_CATALOGUE_VISIBILITY = frozenset({2, 3, 4})  # catalog, search, both: not "not visible"


def _utc(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _variant_ids(product: dict[str, Any]) -> tuple[str, ...]:
    if product["type_id"] == "configurable":
        links = product["extension_attributes"].get("configurable_product_links") or []
        return tuple(str(i) for i in links)
    return (str(product["id"]),)


def magento_facts(state: MagentoState, *, msi: bool) -> SandboxFacts:
    """Catalogue products are those visible individually (their configurable children are
    variants); inventory items are SKUs, stocked per MSI source or at "default" without MSI."""
    products = {
        str(p["id"]): _variant_ids(p)
        for p in state.products.values()
        if p.get("visibility") in _CATALOGUE_VISIBILITY
    }
    skus = {str(p["id"]): str(p["sku"]) for p in state.products.values()}
    items = {v: skus[v] for ids in products.values() for v in ids}
    stocked = set(items.values())
    levels: dict[str, set[str]] = {}
    if msi:
        for row in state.source_items:
            levels.setdefault(row["sku"], set()).add(row["source_code"])
        locations = tuple(s["source_code"] for s in state.sources)
    else:
        levels = {sku: {DEFAULT_SOURCE_CODE} for sku in stocked}
        locations = (DEFAULT_SOURCE_CODE,)
    return SandboxFacts(
        orders={str(o["entity_id"]): _utc(o["updated_at"]) for o in state.orders.values()},
        products=products,
        inventory_items=items,
        levels={sku: frozenset(codes) for sku, codes in levels.items() if sku in stocked},
        locations=locations,
    )
