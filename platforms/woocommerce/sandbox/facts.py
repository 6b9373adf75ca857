"""Ground truth of a WooCommerce sandbox store, in canonical ids (for the contract suite)."""

from __future__ import annotations

from datetime import UTC, datetime

from platforms.sandbox.kit import SandboxFacts
from platforms.woocommerce.mapping.catalog import LOCATION_ID
from platforms.woocommerce.sandbox.seed import SeedState

# status=any on /orders leaves these out; status=any on /products leaves out trash.
_UNLISTED_ORDER_STATUSES = frozenset({"trash", "checkout-draft"})


def _gmt(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def woocommerce_facts(state: SeedState) -> SandboxFacts:
    """Orders and products as the REST API lists them; a simple product is its own variant
    and every variant is its own inventory item, stocked at the one synthetic location."""
    orders = {
        str(o["id"]): _gmt(o["date_modified_gmt"])
        for o in state.orders.values()
        if o["status"] not in _UNLISTED_ORDER_STATUSES
    }
    products = {
        str(p["id"]): (
            tuple(str(v) for v in p["variations"]) if p["type"] == "variable" else (str(p["id"]),)
        )
        for p in state.products.values()
        if p["status"] != "trash"
    }
    variants = [v for ids in products.values() for v in ids]
    return SandboxFacts(
        orders=orders,
        products=products,
        inventory_items={v: v for v in variants},
        levels={v: frozenset({LOCATION_ID}) for v in variants},
        locations=(LOCATION_ID,),
    )
