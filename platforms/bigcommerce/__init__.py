"""BigCommerce platform package: V2 orders and V3 catalog/inventory/refunds client, mapping,
writes and a faithful local sandbox."""

from __future__ import annotations

from typing import Any

from platforms.adapter import StoreConnection
from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.mapping import MAPPING_VERSION
from platforms.bigcommerce.mapping.orders import map_order
from platforms.bigcommerce.mapping.people import refund_marker
from platforms.bigcommerce.rest import DEFAULT_RATE_LIMIT
from platforms.bigcommerce.subscriptions import sync_subscriptions
from platforms.bigcommerce.webhooks import BigCommerceWebhooks
from platforms.bigcommerce.writes.writer import create_writer
from platforms.canonical import Order, Platform
from platforms.costs import Batch, CallCosts, Read
from platforms.registry import PlatformSpec


def _create_sandbox(**kwargs: Any) -> Any:
    # lazy: the gateway imports SPEC in production, where the sandbox (and its seed) is unused.
    from platforms.bigcommerce.sandbox.app import BigCommerceSandbox

    return BigCommerceSandbox(**kwargs)


def _remap_order(raw: dict[str, Any], connection: StoreConnection) -> Order:
    # the stored payload is the V2 order as read, consignments (and so its lines) included
    return map_order(raw, store_id=connection.store_id, default_currency=connection.currency_code)


# V2 orders come with their lines (include=consignments.line_items); V3 reads take 250 ids a
# call (`id:in`, `variant_id:in`, `order_id:in`); shipments and taxes are one V2 call per
# order (taxes only when `taxLines` is selected: no order `include` brings them).
CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=200),
        Read.LIST_PRODUCTS: Batch(per_call=250),
        Read.LIST_CUSTOMERS: Batch(per_call=250),
        Read.ORDERS: Batch(per_call=250),
        Read.PRODUCTS: Batch(per_call=250),
        Read.VARIANTS: Batch(per_call=250),
        Read.VARIANTS_UNHINTED: Batch(per_call=125),
        Read.INVENTORY: Batch(per_call=250),
        Read.LOCATIONS: Batch(fixed=1),
        Read.CUSTOMERS: Batch(per_call=250),
        Read.FULFILLMENTS: Batch(per_key=1),
        Read.TAX_LINES: Batch(per_key=1),
        Read.REFUNDS: Batch(per_call=250),
        Read.WRITE: Batch(per_key=3),
    }
)

SPEC = PlatformSpec(
    platform=Platform.BIGCOMMERCE,
    display_name="BigCommerce",
    required_credentials=("access_token",),
    create_client=lambda conn, session: BigCommerceClient(conn, session=session),
    create_sandbox=_create_sandbox,
    default_api_version="v2+v3",
    default_rate_limit=DEFAULT_RATE_LIMIT,
    notes={
        "auth": "X-Auth-Token (API account access token)",
        "rate limit": "a request quota per 30 s window shared by every app on the store, "
        "learnt from X-Rate-Limit-* headers",
    },
    absent_fields={
        "Order.cancelled_at": "V2 orders record no cancellation time",
        "LineItem.components": "bundle children (parent_order_product_id) are not read as parts",
        "Product.vendor": "products carry a brand_id only (names: /v3/catalog/brands)",
        "Variant.created_at": "V3 variants carry no timestamps",
        "Variant.updated_at": "V3 variants carry no timestamps",
        "Variant.custom_fields": "custom fields are the product's (variants have metafields)",
        "Address.province_code": "V2 and V3 addresses carry the state's name only",
        "InventoryLevel.committed": "inventory items report on hand and available to sell",
        "InventoryLevel.incoming": "inventory items report on hand and available to sell",
        "InventoryLevel.updated_at": "inventory items carry no timestamps",
        "Customer.orders_count": "V3 customers carry no order statistics",
        "Customer.total_spent": "V3 customers carry no order statistics",
        "Customer.tags": "BigCommerce customers have no tags",
    },
    webhooks=BigCommerceWebhooks(),
    subscribe_webhooks=sync_subscriptions,
    create_writer=create_writer,
    refund_marker=refund_marker,
    remap_order=_remap_order,
    mapping_version=MAPPING_VERSION,
    call_costs=CALL_COSTS,
)

__all__ = ["SPEC", "BigCommerceClient"]
