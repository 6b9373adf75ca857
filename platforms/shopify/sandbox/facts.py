"""Ground truth of a Shopify sandbox store, in canonical ids (for the contract suite)."""

from __future__ import annotations

from datetime import UTC, datetime

from platforms.sandbox.kit import SandboxFacts
from platforms.shopify.sandbox.seed import ShopifyState


def _utc(stamp: str) -> datetime:
    # Shopify renders times in the shop's zone with an offset; canonical times are UTC.
    return datetime.fromisoformat(stamp).astimezone(UTC)


def shopify_facts(state: ShopifyState) -> SandboxFacts:
    """Every order (status=any) and product; levels exist per (inventory item, location)."""
    levels: dict[str, set[str]] = {}
    for item, location in state.inventory_levels:
        levels.setdefault(str(item), set()).add(str(location))
    return SandboxFacts(
        orders={str(o["id"]): _utc(o["updated_at"]) for o in state.orders},
        products={str(p["id"]): tuple(str(v["id"]) for v in p["variants"]) for p in state.products},
        inventory_items={str(v["id"]): str(v["inventory_item_id"]) for v in state.variants()},
        levels={item: frozenset(locations) for item, locations in levels.items()},
        locations=tuple(str(loc["id"]) for loc in state.locations),
    )
