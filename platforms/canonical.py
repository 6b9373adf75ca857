"""The canonical commerce model every platform maps into: strict pydantic v2, immutable."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from platforms.ids import Kind, encode_id
from platforms.money import CurrencyCode as CurrencyCode
from platforms.money import DiscountLine as DiscountLine
from platforms.money import LineComponent as LineComponent
from platforms.money import LineItem as LineItem
from platforms.money import Money as Money
from platforms.money import ShippingLine as ShippingLine
from platforms.money import TaxLine as TaxLine


class Platform(enum.StrEnum):
    """Commerce platforms cartgraph speaks to."""

    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    MAGENTO = "magento"
    AMAZON = "amazon"
    BIGCOMMERCE = "bigcommerce"


class _Model(BaseModel):
    # strict: mapping code must hand over exact types (Decimal, aware datetime),
    # so a sloppy mapper fails loudly in tests instead of leaking strings to clients.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class CustomField(_Model):
    """A custom field: Shopify metafield, WooCommerce meta_data, Magento custom_attribute."""

    namespace: str | None = None
    key: str
    value: Any = None


class Address(_Model):
    """A postal address as the platform holds it."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Entity(_Model):
    """Fields every canonical object carries."""

    kind: Kind
    store_id: str
    platform: Platform
    external_id: str
    custom_fields: tuple[CustomField, ...] = ()
    raw: dict[str, Any] = Field(default_factory=dict)
    # the mapping that produced it (`PlatformSpec.mapping_version`), recorded on events;
    # None on a live read, which the current mapping produced (docs/money.md, versions).
    mapping_version: str | None = None

    @field_validator("raw", mode="before")
    @classmethod
    def _raw_is_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def global_id(self) -> str:
        """Opaque GraphQL id that decodes back to (store, kind, external id)."""
        return encode_id(self.store_id, self.kind, self.external_id)


class Location(Entity):
    """A place stock is held: Shopify location, Magento MSI source, WooCommerce's single store."""

    kind: Kind = Kind.LOCATION
    name: str
    active: bool = True
    address: Address | None = None


class OrderStatus(enum.StrEnum):
    """Overall lifecycle state of an order."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"


class FinancialStatus(enum.StrEnum):
    """Payment state of an order."""

    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    UNKNOWN = "UNKNOWN"


class FulfillmentStatus(enum.StrEnum):
    """Shipping state of an order."""

    UNFULFILLED = "UNFULFILLED"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    RESTOCKED = "RESTOCKED"
    UNKNOWN = "UNKNOWN"


class Order(Entity):
    """A customer order. Money (docs/money.md): every amount is in `currency_code`, the
    currency the customer paid in, and excludes tax except `total_tax` and `total_price`:

    - `subtotal_price` = sum of line totals (after all discounts allocated to lines) plus
      order-level fees (WooCommerce fee lines); before shipping and tax.
    - `total_shipping` = shipping charged after shipping discounts.
    - `total_discounts` = every discount: line discounts plus shipping discounts.
    - `total_tax` = all tax, on lines and shipping, whether prices included it or not.
    - `total_price` = what the customer was charged:
      subtotal_price + total_shipping + total_tax (within the platform's rounding).
    - `taxes_included`: the store's prices include tax (None where the platform does not
      say); the amounts above are tax-exclusive either way.
    """

    kind: Kind = Kind.ORDER
    number: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    cancelled_at: AwareDatetime | None = None
    status: OrderStatus = OrderStatus.UNKNOWN
    financial_status: FinancialStatus = FinancialStatus.UNKNOWN
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.UNKNOWN
    currency_code: CurrencyCode
    email: str | None = None
    subtotal_price: Money
    total_tax: Money
    total_shipping: Money
    total_discounts: Money
    total_price: Money
    taxes_included: bool | None = None
    line_items: tuple[LineItem, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()
    discounts: tuple[DiscountLine, ...] = ()
    shipping_lines: tuple[ShippingLine, ...] = ()
    billing_address: Address | None = None
    shipping_address: Address | None = None
    customer_external_id: str | None = None


class ProductStatus(enum.StrEnum):
    """Publication state of a product."""

    ACTIVE = "ACTIVE"
    DRAFT = "DRAFT"
    ARCHIVED = "ARCHIVED"
    UNKNOWN = "UNKNOWN"


class ProductOption(_Model):
    """A product option such as Size, with its values."""

    name: str
    values: tuple[str, ...] = ()


class Variant(Entity):
    """A purchasable variant (SKU) of a product."""

    kind: Kind = Kind.VARIANT
    product_external_id: str
    title: str
    sku: str | None = None
    barcode: str | None = None
    price: Money
    compare_at_price: Money | None = None
    inventory_item_id: str | None = None
    option_values: tuple[str, ...] = ()
    position: int | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    # Platforms that return stock on the variant itself (WooCommerce, Magento's stock_item)
    # fill this, so inventory costs no extra upstream call; None means "ask for it".
    inline_inventory: tuple[InventoryLevel, ...] | None = None


class Product(Entity):
    """A catalogue product with its variants."""

    kind: Kind = Kind.PRODUCT
    title: str
    handle: str | None = None
    status: ProductStatus = ProductStatus.UNKNOWN
    vendor: str | None = None
    product_type: str | None = None
    tags: tuple[str, ...] = ()
    options: tuple[ProductOption, ...] = ()
    variants: tuple[Variant, ...] = ()
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class InventoryLevel(Entity):
    """Stock of one inventory item (variant) at one location.

    `external_id` is "<inventory_item_id>:<location_external_id>".
    """

    kind: Kind = Kind.INVENTORY_LEVEL
    inventory_item_id: str
    location_external_id: str
    available: int | None = None
    # Shopify's other inventory states; None where the platform has no such state.
    on_hand: int | None = None  # physically at the location: available + committed + reserved…
    committed: int | None = None  # sold, not yet shipped
    incoming: int | None = None  # on its way to the location
    reserved: int | None = None  # held back (e.g. for a draft order or a transfer)
    updated_at: AwareDatetime | None = None


class Customer(Entity):
    """A customer account. Personal data: never logged; `raw` may be switched off per deployment."""

    kind: Kind = Kind.CUSTOMER
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    default_address: Address | None = None
    addresses: tuple[Address, ...] = ()
    # None where the platform has no such flag (WooCommerce core, Magento without newsletter).
    accepts_marketing: bool | None = None
    orders_count: int | None = None
    total_spent: Money | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    tags: tuple[str, ...] = ()


class ShipmentStatus(enum.StrEnum):
    """State of one fulfillment (shipment)."""

    PENDING = "PENDING"
    OPEN = "OPEN"
    SUCCESS = "SUCCESS"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"
    FAILURE = "FAILURE"
    UNKNOWN = "UNKNOWN"


class FulfillmentLine(_Model):
    """A quantity of one order line that a fulfillment shipped."""

    line_item_external_id: str
    quantity: int


class Fulfillment(Entity):
    """A shipment of (part of) an order: Shopify fulfillment, Magento shipment."""

    kind: Kind = Kind.FULFILLMENT
    order_external_id: str
    status: ShipmentStatus = ShipmentStatus.UNKNOWN
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    tracking_company: str | None = None
    tracking_numbers: tuple[str, ...] = ()
    tracking_urls: tuple[str, ...] = ()
    lines: tuple[FulfillmentLine, ...] = ()
    location_external_id: str | None = None


class RefundLine(_Model):
    """A quantity of one order line that a refund gave money back for; `subtotal` is those
    units' share of the line total (after discounts, excluding tax), positive."""

    line_item_external_id: str
    quantity: int
    # Shopify restock_type (no_restock/cancel/return/legacy_restock) or "restock"/"no_restock".
    restock_type: str | None = None
    restocked: bool | None = None
    subtotal: Money | None = None


class RefundTransaction(_Model):
    """A money movement of a refund at the payment gateway."""

    external_id: str | None = None
    kind: str
    amount: Money
    gateway: str | None = None
    status: str | None = None


class Refund(Entity):
    """A refund (Magento credit memo) against an order: `amount` is all money given back
    (tax and shipping included), `shipping` the part of it for shipping; positive."""

    kind: Kind = Kind.REFUND
    order_external_id: str
    created_at: AwareDatetime | None = None
    note: str | None = None
    amount: Money
    lines: tuple[RefundLine, ...] = ()
    shipping: Money | None = None
    transactions: tuple[RefundTransaction, ...] = ()


class Store(_Model):
    """A configured store connection, as clients may see it (never credentials)."""

    id: str
    platform: Platform
    name: str
    base_url: str
    currency_code: CurrencyCode
    api_version: str | None = None

    @property
    def global_id(self) -> str:
        """Opaque GraphQL id of the store."""
        return encode_id(self.id, Kind.STORE, self.id)


Variant.model_rebuild()
Product.model_rebuild()
