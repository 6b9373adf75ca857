"""Product and Variant types, and product queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from platforms import canonical as c
from platforms.adapter import Page, PlatformClient, ProductQuery
from platforms.ids import Kind
from resolvers.common import (
    Money,
    ProductStatusEnum,
    StoreObject,
    entity_fields,
    load_by_id,
    may_select,
)
from resolvers.connections import PageInfo, paginate
from resolvers.limits import utc_instant
from resolvers.loaders import StoreKey, VariantLoadKey, answer

if TYPE_CHECKING:
    from resolvers.inventory import InventoryLevel

InventoryLevelRef = Annotated["InventoryLevel", strawberry.lazy("resolvers.inventory")]


@strawberry.type(description="A product option such as Size, with its values.")
class ProductOption:
    name: str = strawberry.field(description="Option name.")
    values: list[str] = strawberry.field(description="Option values.")


@strawberry.federation.type(keys=["id"], description="A purchasable variant (SKU) of a product.")
class Variant(StoreObject):
    title: str = strawberry.field(description="Variant title, e.g. 'Red / Large'.")
    sku: str | None = strawberry.field(description="Stock keeping unit.")
    barcode: str | None = strawberry.field(description="Barcode (GTIN, EAN, UPC, ISBN).")
    price: Money = strawberry.field(description="Current price.")
    compare_at_price: Money | None = strawberry.field(description="Price before a markdown.")
    inventory_item_id: str | None = strawberry.field(
        description="The platform's stock-tracking id for this variant."
    )
    option_values: list[str] = strawberry.field(description="Values of the product's options.")
    position: int | None = strawberry.field(description="Position among the product's variants.")
    created_at: datetime | None = strawberry.field(description="When created (UTC).")
    updated_at: datetime | None = strawberry.field(description="When last changed (UTC).")
    product_external_id: strawberry.Private[str]

    @classmethod
    def of(cls, v: c.Variant) -> Variant:
        """From the canonical variant."""
        return cls(
            **entity_fields(v),
            title=v.title,
            sku=v.sku,
            barcode=v.barcode,
            price=Money.of(v.price),
            compare_at_price=Money.maybe(v.compare_at_price),
            inventory_item_id=v.inventory_item_id,
            option_values=list(v.option_values),
            position=v.position,
            created_at=v.created_at,
            updated_at=v.updated_at,
            product_external_id=v.product_external_id,
        )

    # not `async def`: the variant batch has usually primed the parent already (see answer)
    @strawberry.field(
        description="The product this variant belongs to.",
        graphql_type=Optional["Product"],  # a forward reference: a string takes no `| None`
    )
    def product(self, info: strawberry.Info) -> Any:
        key = StoreKey(self.store_id, self.product_external_id)
        partial = info.context.loaders.partial_products.get(key)
        # a partial parent lacks its variant list and (Shopify GraphQL) its metafields
        if partial is not None and not (
            may_select(info, "variants") or may_select(info, "customFields")
        ):
            return Product.of(partial)
        return answer(info.context.loaders.product.load(key), Product.of)

    @strawberry.field(description="Stock of this variant at each location (optionally filtered).")
    async def inventory_levels(
        self, info: strawberry.Info, location_ids: list[strawberry.ID] | None = None
    ) -> list[InventoryLevelRef]:
        from resolvers.inventory import levels_for_item

        if not self.inventory_item_id:
            return []
        return await levels_for_item(info, self.store_id, self.inventory_item_id, location_ids)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Variant | None:
        """Federation entity lookup, batched through VariantByIdLoader."""
        return await variant_by_id(info, id)


@strawberry.federation.type(keys=["id"], description="A catalogue product with its variants.")
class Product(StoreObject):
    title: str = strawberry.field(description="Product title.")
    handle: str | None = strawberry.field(description="URL handle / slug.")
    status: ProductStatusEnum = strawberry.field(description="Publication state.")  # type: ignore[valid-type]
    vendor: str | None = strawberry.field(description="Vendor or brand.")
    product_type: str | None = strawberry.field(description="Merchant-defined product type.")
    tags: list[str] = strawberry.field(description="Tags.")
    options: list[ProductOption] = strawberry.field(description="Options such as Size or Color.")
    variants: list[Variant] = strawberry.field(description="Variants of this product.")
    created_at: datetime | None = strawberry.field(description="When created (UTC).")
    updated_at: datetime | None = strawberry.field(description="When last changed (UTC).")

    @classmethod
    def of(cls, p: c.Product) -> Product:
        """From the canonical product."""
        return cls(
            **entity_fields(p),
            title=p.title,
            handle=p.handle,
            status=p.status,
            vendor=p.vendor,
            product_type=p.product_type,
            tags=list(p.tags),
            options=[ProductOption(name=o.name, values=list(o.values)) for o in p.options],
            variants=[Variant.of(v) for v in p.variants],
            created_at=p.created_at,
            updated_at=p.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Product | None:
        """Federation entity lookup, batched through ProductByIdLoader."""
        return await product_by_id(info, id)


async def product_by_id(info: strawberry.Info, id: strawberry.ID) -> Product | None:
    """One product by global id via the per-request loader."""
    loader = info.context.loaders.product
    return await load_by_id(info, id, Kind.PRODUCT, loader, StoreKey, Product.of)


async def variant_by_id(info: strawberry.Info, id: strawberry.ID) -> Variant | None:
    """One variant by global id via the per-request loader."""
    loader = info.context.loaders.variant
    return await load_by_id(info, id, Kind.VARIANT, loader, VariantLoadKey, Variant.of)


@strawberry.input(description="Filters for `products`.")
class ProductFilter:
    updated_after: datetime | None = strawberry.field(
        default=None, description="Only products updated after this instant."
    )


@strawberry.type(description="A product in a connection.")
class ProductEdge:
    node: Product = strawberry.field(description="The product.")
    cursor: str = strawberry.field(description="Pass as `after` to continue after this product.")


@strawberry.type(description="A page of products across stores, newest `updatedAt` first.")
class ProductConnection:
    edges: list[ProductEdge] = strawberry.field(description="Products on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")


@strawberry.type
class ProductQueries:
    @strawberry.field(
        description="Products of the given stores (all visible stores when omitted), merged newest "
        "`updatedAt` first; `first` defaults to 50, capped at the gateway's max page size."
    )
    async def products(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        filter: ProductFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ProductConnection:
        updated_after = (filter or ProductFilter()).updated_after
        query = ProductQuery(updated_after=utc_instant(updated_after))

        async def fetch(client: PlatformClient, cursor: str | None, limit: int) -> Page[c.Product]:
            return await client.list_products(query, cursor=cursor, limit=limit)

        page = await paginate(info, store_ids, first, after, fetch, query)
        return ProductConnection(
            edges=[ProductEdge(node=Product.of(p), cursor=cur) for p, cur in page.items],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="One product by global id; null when it does not exist.")
    async def product(self, info: strawberry.Info, id: strawberry.ID) -> Product | None:
        return await product_by_id(info, id)

    @strawberry.field(description="One variant by global id; null when it does not exist.")
    async def variant(self, info: strawberry.Info, id: strawberry.ID) -> Variant | None:
        return await variant_by_id(info, id)
