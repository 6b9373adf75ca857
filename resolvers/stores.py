"""Store and Location types, and the store-level queries."""

from __future__ import annotations

import strawberry

from platforms import canonical as c
from platforms.errors import CartgraphError
from resolvers.common import Address, PlatformEnum, StoreObject, entity_fields


@strawberry.type(description="A configured store connection. Credentials are never exposed.")
class Store:
    id: strawberry.ID = strawberry.field(description="The store id from the gateway config.")
    platform: PlatformEnum = strawberry.field(description="The store's platform.")  # type: ignore[valid-type]
    name: str = strawberry.field(description="Display name.")
    base_url: str = strawberry.field(description="The store's base URL.")
    currency_code: str = strawberry.field(description="The store's default currency (ISO 4217).")
    api_version: str | None = strawberry.field(description="Platform API version in use, if any.")

    @classmethod
    def of(cls, store: c.Store) -> Store:
        """From the canonical store."""
        return cls(
            id=strawberry.ID(store.id),
            platform=store.platform,
            name=store.name,
            base_url=store.base_url,
            currency_code=store.currency_code,
            api_version=store.api_version,
        )

    @strawberry.field(description="Every location (warehouse, source) of this store.")
    async def locations(self, info: strawberry.Info) -> list[Location]:
        return await _locations(info, str(self.id))


@strawberry.type(
    description="A place stock is held: Shopify location, Magento MSI source, "
    "or WooCommerce's single store-wide stock."
)
class Location(StoreObject):
    name: str = strawberry.field(description="Location name.")
    active: bool = strawberry.field(description="Whether the location is active.")
    address: Address | None = strawberry.field(description="Location address, when known.")

    @classmethod
    def of(cls, loc: c.Location) -> Location:
        """From the canonical location."""
        return cls(
            **entity_fields(loc),
            name=loc.name,
            active=loc.active,
            address=Address.maybe(loc.address),
        )


async def _locations(info: strawberry.Info, store_id: str) -> list[Location]:
    """Every location of a store in the caller's scope, through the store's cache."""
    handle = info.context.store(store_id)
    return [Location.of(loc) for loc in await handle.list_locations()]


@strawberry.type
class StoreQueries:
    @strawberry.field(description="Every store the caller may see, in config order.")
    def stores(self, info: strawberry.Info) -> list[Store]:
        ctx = info.context
        return [Store.of(ctx.store(s).store) for s in ctx.visible_store_ids]

    @strawberry.field(description="One store by its config id; null when unknown or not visible.")
    def store(self, info: strawberry.Info, id: strawberry.ID) -> Store | None:
        try:
            return Store.of(info.context.store(str(id)).store)
        except CartgraphError:
            return None

    @strawberry.field(description="Every location of one store (one upstream call, cached).")
    async def locations(self, info: strawberry.Info, store_id: strawberry.ID) -> list[Location]:
        return await _locations(info, str(store_id))
