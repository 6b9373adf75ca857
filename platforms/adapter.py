"""The read contract every platform package implements: store connections, queries, pages,
and the `PlatformClient` protocol. (What a package registers, `PlatformSpec`, is in
`platforms.registry`.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

from platforms.canonical import (
    Customer,
    Fulfillment,
    InventoryLevel,
    Location,
    Order,
    OrderStatus,
    Platform,
    Product,
    Refund,
    TaxLine,
    Variant,
)
from platforms.errors import PayloadError

T = TypeVar("T")


@dataclass(frozen=True)
class RateLimitSettings:
    """A leaky bucket: `capacity` requests, draining `leak_per_second`."""

    capacity: float
    leak_per_second: float


@dataclass(frozen=True)
class StoreConnection:
    """Everything a client needs to talk to one store. Secrets stay out of repr."""

    store_id: str
    platform: Platform
    base_url: str
    name: str
    currency_code: str = "USD"
    api_version: str | None = None
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    rate_limit: RateLimitSettings | None = None
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    # how long the platform may still apply a write after we gave up on it (None: the
    # platform's default, `RestWriter.platform_write_timeout`); see README "Writes".
    write_timeout_seconds: float | None = None


@dataclass(frozen=True)
class OrderSelection:
    """What a caller will read of each listed order, so a client that can push a selection
    down (Shopify's GraphQL) asks for only that, and fetches what the lines reach (variants,
    products, stock, locations) with the page. Clients that cannot ignore it."""

    line_items: bool = True
    line_discounts: bool = True  # lineItems { totalDiscount } (and what derives from it)
    line_variants: bool = True  # lineItems { variant }
    line_products: bool = True  # lineItems { product }
    customer: bool = True
    addresses: bool = True
    taxes: bool = True
    shipping: bool = True
    custom_fields: bool = True
    fulfillments: bool = True
    refunds: bool = True
    # reached through the lines: fetched with the page into `Page.related`
    variants: bool = False  # the lines' variants
    products: bool = False  # the variants' products (`whole_products`: with every variant)
    whole_products: bool = False
    inventory: bool = False  # the variants' stock at every location
    locations: bool = False  # the locations that stock is at


@dataclass(frozen=True)
class OrderQuery:
    """Filters for listing orders. Results come newest `updated_at` first."""

    updated_after: datetime | None = None
    created_after: datetime | None = None
    status: OrderStatus | None = None
    # a hint, not a filter: no part of what a cursor is valid for (hence out of the repr)
    select: OrderSelection | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ProductQuery:
    """Filters for listing products. Results come newest `updated_at` first."""

    updated_after: datetime | None = None


@dataclass(frozen=True)
class CustomerQuery:
    """Filters for listing customers. Results come newest `updated_at` first."""

    updated_after: datetime | None = None
    email: str | None = None


@dataclass(frozen=True)
class Related:
    """Objects a page's selection reaches, fetched with the page by a client that pushes the
    selection down: the gateway primes its loaders with them instead of asking again."""

    variants: Mapping[str, Variant] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)  # with every variant
    # parents read without their variant list (see `VariantBatch.partial_products`)
    partial_products: Mapping[str, Product] = field(default_factory=dict)
    inventory: Mapping[str, list[InventoryLevel]] = field(default_factory=dict)  # by item id
    locations: list[Location] | None = None  # every location of the store, when read


@dataclass(frozen=True)
class Page(Generic[T]):
    """One upstream page; `next_cursor` is the platform position of the next page, opaque."""

    items: list[T]
    next_cursor: str | None
    # payloads of this page that could not be mapped; the cursor still moves past them.
    errors: list[PayloadError] = field(default_factory=list)
    related: Related | None = None


@dataclass(frozen=True)
class VariantKey:
    """A variant to load; `product_external_id` is a hint that lets platforms batch by parent."""

    external_id: str
    product_external_id: str | None = None


@dataclass(frozen=True)
class VariantBatch:
    """Variants found (missing keys absent) plus the parent products fetched on the way."""

    variants: Mapping[str, Variant]
    products: Mapping[str, Product]
    # variant ids whose payload could not be mapped (absent from `variants`), with why.
    errors: Mapping[str, PayloadError] = field(default_factory=dict)
    # parents whose variant list is incomplete (e.g. siblings skipped for
    # `complete_parents=False`): every other field is final. Never cache them or hand them
    # on as whole products.
    partial_products: Mapping[str, Product] = field(default_factory=dict)


class PlatformClient(Protocol):
    """Live reads from one store. One instance per store connection.

    Batch methods return a mapping that simply lacks ids the platform does not have:
    a missing id is `None` for that key, never an error for the whole batch. An id whose
    payload cannot be mapped is absent too, and named in the answer's `errors` when it is a
    `platforms.mapping.kit.Found` (list reads put theirs in `Page.errors`).
    """

    connection: StoreConnection
    max_page_size: int

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page of orders, newest `updated_at` first."""
        ...

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page of products, newest `updated_at` first."""
        ...

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by external id, in as few requests as the platform allows."""
        ...

    async def get_products(self, ids: Sequence[str]) -> Mapping[str, Product]:
        """Products by external id, in as few requests as the platform allows."""
        ...

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants by external id, plus the parent products fetched on the way.

        `complete_parents=False` says the caller needs no parent's variant list: a platform
        may then skip calls that only complete it and return such parents in
        `partial_products` instead of `products`. Platforms whose parents come whole ignore it.
        """
        ...

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Inventory levels at every location, keyed by inventory item id."""
        ...

    async def list_locations(self) -> list[Location]:
        """Every location of the store."""
        ...

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by external id, in as few requests as the platform allows."""
        ...

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page of customers, newest `updated_at` first."""
        ...

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """Fulfillments per order id (every requested id present, [] when none)."""
        ...

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """Refunds per order id (every requested id present, [] when none)."""
        ...

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment] | None:
        """The order's fulfillments from its already-loaded payload; None = must be fetched."""
        ...

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """The order's refunds from its already-loaded payload; None = must be fetched."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class TaxLineReads(Protocol):
    """A client whose orders list their taxes in a sub-resource (BigCommerce V2: one call an
    order): `Order.taxLines` reads them through it, and only when a query selects them."""

    def embedded_tax_lines(self, order: Order) -> list[TaxLine] | None:
        """The order's tax lines from its loaded payload (e.g. none when untaxed); None =
        must be fetched."""
        ...

    async def get_tax_lines(self, order_ids: Sequence[str]) -> Mapping[str, list[TaxLine]]:
        """Tax lines per order id (every requested id present, [] when none)."""
        ...
