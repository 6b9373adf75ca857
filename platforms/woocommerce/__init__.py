"""WooCommerce platform package: REST v3 client, mapping and a faithful local sandbox."""

from __future__ import annotations

from typing import Any

from platforms.adapter import StoreConnection
from platforms.canonical import Order, Platform
from platforms.costs import FREE, Batch, CallCosts, Read
from platforms.registry import PlatformSpec
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.mapping import MAPPING_VERSION, orders
from platforms.woocommerce.mapping.people import refund_marker
from platforms.woocommerce.rest import DEFAULT_RATE_LIMIT
from platforms.woocommerce.subscriptions import sync_subscriptions
from platforms.woocommerce.webhooks import WooCommerceWebhooks
from platforms.woocommerce.writes.writer import create_writer


def _create_sandbox(**kwargs: Any) -> Any:
    # lazy: the gateway imports SPEC in production, where the sandbox (and its seed) is unused.
    from platforms.woocommerce.sandbox.app import WooCommerceSandbox

    return WooCommerceSandbox(**kwargs)


def _remap_order(raw: dict[str, Any], connection: StoreConnection) -> Order:
    # an order payload kept with its event (webhook body or refetch), through today's mapping
    return orders.map_order(
        raw, store_id=connection.store_id, default_currency=connection.currency_code
    )


# REST v3: `include=` 100 ids a call, plus one `products/{id}/variations` per variable product
# (no cross-product endpoint) and one `products/{id}` per variation id without its parent;
# stock rides on the variation, the one location is synthetic, refunds are one call per order.
CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=100),
        Read.LIST_PRODUCTS: Batch(per_call=100, per_key=1),
        Read.LIST_CUSTOMERS: Batch(per_call=100),
        Read.ORDERS: Batch(per_call=100),
        Read.PRODUCTS: Batch(per_call=100, per_key=1),
        Read.VARIANTS: Batch(per_call=100, per_key=1),
        Read.VARIANTS_UNHINTED: Batch(per_call=100, per_key=1),
        Read.INVENTORY: FREE,
        Read.LOCATIONS: FREE,
        Read.CUSTOMERS: Batch(per_call=100),
        Read.FULFILLMENTS: FREE,
        Read.REFUNDS: Batch(per_key=1),
        Read.WRITE: Batch(per_key=3),
    }
)

SPEC = PlatformSpec(
    platform=Platform.WOOCOMMERCE,
    display_name="WooCommerce",
    required_credentials=("consumer_key", "consumer_secret"),
    create_client=lambda conn, session: WooCommerceClient(conn, session=session),
    create_sandbox=_create_sandbox,
    default_api_version="wc/v3",
    default_rate_limit=DEFAULT_RATE_LIMIT,
    notes={
        "auth": "HTTPS: Basic ck:cs; HTTP: OAuth 1.0a HMAC-SHA256 query signature",
        "locations": "one synthetic location 'default' (core stock is not per place)",
    },
    absent_fields={
        "Product.vendor": "core WooCommerce has no vendor",
        "Variant.barcode": "no GTIN before WooCommerce 9.2 (global_unique_id not mapped yet)",
        "Location.address": "the one location is synthetic (address is in settings)",
        "Address.country": "addresses carry the country code only",
        "Address.province": "addresses carry the state code only",
        "LineItem.components": "order lines have no child rows (bundles are plugins)",
        **dict.fromkeys(
            ("InventoryLevel.on_hand", "InventoryLevel.committed", "InventoryLevel.incoming"),
            "stock is one available quantity",
        ),
        "InventoryLevel.reserved": "stock is one available quantity",
    },
    webhooks=WooCommerceWebhooks(),
    subscribe_webhooks=sync_subscriptions,
    create_writer=create_writer,
    refund_marker=refund_marker,
    mapping_version=MAPPING_VERSION,
    remap_order=_remap_order,
    call_costs=CALL_COSTS,
)

__all__ = ["SPEC", "WooCommerceClient"]
