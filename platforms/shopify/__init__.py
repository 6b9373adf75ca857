"""Shopify platform package: Admin REST client, mapping and (lazily) the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp

from platforms.adapter import PlatformSpec, StoreConnection
from platforms.canonical import Platform
from platforms.costs import FREE, Batch, CallCosts, Read
from platforms.shopify.client import ShopifyClient
from platforms.shopify.mapping_people import refund_marker
from platforms.shopify.rest import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT
from platforms.shopify.webhooks import ShopifyWebhooks
from platforms.shopify.writes import create_writer

if TYPE_CHECKING:
    from platforms.sandbox_kit import Sandbox

__all__ = ["SPEC", "ShopifyClient"]


def _create_client(
    connection: StoreConnection, session: aiohttp.ClientSession | None
) -> ShopifyClient:
    return ShopifyClient(connection, session=session)


def _create_sandbox(*args: Any, **kwargs: Any) -> Sandbox:
    # imported here so serving real stores never loads the emulator and its seed data.
    from platforms.shopify.sandbox import ShopifySandbox

    sandbox: Sandbox = ShopifySandbox(*args, **kwargs)
    return sandbox


# Admin REST: 250 ids or rows a call, inventory levels 50 items a call; fulfillments and
# refunds ride on the order payload; a variant without its product is one call each.
CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=250),
        Read.LIST_PRODUCTS: Batch(per_call=250),
        Read.LIST_CUSTOMERS: Batch(per_call=250),
        Read.ORDERS: Batch(per_call=250),
        Read.PRODUCTS: Batch(per_call=250),
        Read.VARIANTS: Batch(per_call=250),
        Read.VARIANTS_UNHINTED: Batch(per_call=250, per_key=1),
        Read.INVENTORY: Batch(per_call=50),
        Read.LOCATIONS: Batch(fixed=1),
        Read.CUSTOMERS: Batch(per_call=250),
        Read.FULFILLMENTS: FREE,
        Read.REFUNDS: FREE,
        Read.WRITE: Batch(per_key=4),  # refund: order, transactions, calculate, create
    }
)

SPEC = PlatformSpec(
    platform=Platform.SHOPIFY,
    display_name="Shopify",
    required_credentials=("access_token",),
    create_client=_create_client,
    create_sandbox=_create_sandbox,
    default_api_version=DEFAULT_API_VERSION,
    default_rate_limit=DEFAULT_RATE_LIMIT,
    absent_fields={
        "Product.custom_fields": "metafields are a separate request per product",
        "Variant.custom_fields": "metafields are a separate request per variant",
    },
    webhooks=ShopifyWebhooks(),
    create_writer=create_writer,
    refund_marker=refund_marker,
    call_costs=CALL_COSTS,
)
