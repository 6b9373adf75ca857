"""InventoryLevel type and inventory queries."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry

from platforms import canonical as c
from platforms.ids import Kind, decode_id
from resolvers.common import StoreObject, entity_fields, may_select
from resolvers.loaders import StoreKey, VariantLoadKey, answer
from resolvers.stores import Location


@strawberry.type(description="Stock of one variant at one location.")
class InventoryLevel(StoreObject):
    inventory_item_id: str = strawberry.field(description="The platform's stock-tracking id.")
    available: int | None = strawberry.field(
        description="Units available to sell; null when the platform does not track stock."
    )
    on_hand: int | None = strawberry.field(
        description="Units physically at the location (available, committed and reserved "
        "together); null where the platform has no such state (Shopify has it)."
    )
    committed: int | None = strawberry.field(
        description="Units sold but not yet shipped; null where the platform has no such state."
    )
    incoming: int | None = strawberry.field(
        description="Units on their way to the location; null where the platform has no such state."
    )
    reserved: int | None = strawberry.field(
        description="Units held back (draft orders, transfers); null where the platform has no "
        "such state."
    )
    updated_at: datetime | None = strawberry.field(description="When the level last changed (UTC).")
    location_external_id: strawberry.Private[str]

    @classmethod
    def of(cls, level: c.InventoryLevel) -> InventoryLevel:
        """From the canonical level."""
        return cls(
            **entity_fields(level),
            inventory_item_id=level.inventory_item_id,
            available=level.available,
            on_hand=level.on_hand,
            committed=level.committed,
            incoming=level.incoming,
            reserved=level.reserved,
            updated_at=level.updated_at,
            location_external_id=level.location_external_id,
        )

    # not `async def`: the store's locations are usually listed by now (levels_for_item)
    @strawberry.field(
        description="Where this stock is held.",
        graphql_type=Location | None,
    )
    def location(self, info: strawberry.Info) -> Any:
        key = StoreKey(self.store_id, self.location_external_id)
        known, found = info.context.loaders.location.peek(key)
        if known:
            return None if found is None else Location.of(found)
        return answer(info.context.loaders.location.load(key), Location.of)


async def levels_for_item(
    info: strawberry.Info,
    store_id: str,
    inventory_item_id: str,
    location_ids: list[strawberry.ID] | None,
) -> list[InventoryLevel]:
    """Levels of one inventory item, batched per store, optionally limited to some locations.

    When the levels' `location` is selected, the store's locations (one call per request)
    are listed alongside the levels rather than after them: one round trip fewer.
    """
    pending = info.context.loaders.inventory.load(StoreKey(store_id, inventory_item_id))
    if may_select(info, "location"):
        info.context.loaders.location.prefetch(store_id)
    levels = await pending
    wanted = _location_filter(location_ids)
    return [
        InventoryLevel.of(level)
        for level in levels or []
        if wanted is None or (level.store_id, level.location_external_id) in wanted
    ]


def _location_filter(location_ids: list[strawberry.ID] | None) -> set[tuple[str, str]] | None:
    if location_ids is None:
        return None
    return {
        (gid.store_id, gid.external_id)
        for gid in (decode_id(str(i), Kind.LOCATION) for i in location_ids)
    }


@strawberry.type
class InventoryQueries:
    @strawberry.field(
        description="Stock of the given variants, at every location or only the given ones. "
        "Variants of several stores are fetched concurrently, one batch per store."
    )
    async def inventory_levels(
        self,
        info: strawberry.Info,
        variant_ids: list[strawberry.ID],
        location_ids: list[strawberry.ID] | None = None,
    ) -> list[InventoryLevel]:
        gids = [decode_id(str(v), Kind.VARIANT) for v in variant_ids]
        for gid in gids:
            info.context.store(gid.store_id)
        variants = await asyncio.gather(
            *(
                info.context.loaders.variant.load(VariantLoadKey(g.store_id, g.external_id))
                for g in gids
            )
        )
        per_variant = await asyncio.gather(
            *(
                levels_for_item(info, v.store_id, v.inventory_item_id, location_ids)
                for v in variants
                if v is not None and v.inventory_item_id
            )
        )
        return [level for levels in per_variant for level in levels]
