"""The adapter contract every platform package implements, and the spec it registers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

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
    Variant,
)
from platforms.costs import CallCosts
from platforms.errors import PayloadError

if TYPE_CHECKING:
    import aiohttp

    from platforms.sandbox_kit import Sandbox
    from platforms.webhooks import WebhookAdapter
    from platforms.writes import PlatformWriter

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
class OrderQuery:
    """Filters for listing orders. Results come newest `updated_at` first."""

    updated_after: datetime | None = None
    created_after: datetime | None = None
    status: OrderStatus | None = None


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
class Page(Generic[T]):
    """One upstream page; `next_cursor` is the platform position of the next page, opaque."""

    items: list[T]
    next_cursor: str | None
    # payloads of this page that could not be mapped; the cursor still moves past them.
    errors: list[PayloadError] = field(default_factory=list)


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
    `platforms.mapping_kit.Found` (list reads put theirs in `Page.errors`).
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


ClientFactory = Callable[["StoreConnection", "aiohttp.ClientSession | None"], PlatformClient]
SandboxFactory = Callable[..., "Sandbox"]
# builds a store's writer on top of its (one) client, sharing its transport and rate bucket.
WriterFactory = Callable[[PlatformClient], "PlatformWriter"]
RefundMarker = Callable[[Order], "str | None"]


@dataclass(frozen=True)
class PlatformSpec:
    """What a platform package registers: how to build its client and its sandbox."""

    platform: Platform
    display_name: str
    required_credentials: tuple[str, ...]
    create_client: ClientFactory
    create_sandbox: SandboxFactory
    default_api_version: str | None = None
    default_rate_limit: RateLimitSettings | None = None
    notes: Mapping[str, str] = field(default_factory=dict)
    # canonical fields ("Model.field") the platform's read API has no source for, each with
    # the reason; the contract suite checks that every other field is mapped.
    absent_fields: Mapping[str, str] = field(default_factory=dict)
    create_writer: WriterFactory | None = None
    # how the platform signs and shapes webhooks; None = no outbound webhooks (polling only).
    webhooks: WebhookAdapter | None = None
    # what the order payload shows of its refunds, as text that changes with every new refund
    # (ids, or a refunded total); None = the payload shows none. Drives REFUND_CREATED.
    refund_marker: RefundMarker | None = None
    # upstream calls per read, for the gateway's cost estimate (COST_LIMIT) before executing;
    # the default charges one call per object, so a new platform is never under-estimated.
    call_costs: CallCosts = field(default_factory=CallCosts)
