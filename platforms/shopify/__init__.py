"""Shopify platform package: Admin GraphQL (default) and REST clients, mapping, lazy sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp

from platforms.adapter import StoreConnection
from platforms.canonical import Order, Platform
from platforms.costs import FREE, Batch, CallCosts, Read
from platforms.registry import ApiDifferences, PlatformSpec
from platforms.shopify.client import ShopifyClient
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.mapping import MAPPING_VERSION, graphql_orders, orders
from platforms.shopify.mapping.graphql_people import refund_marker
from platforms.shopify.rest import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT
from platforms.shopify.subscriptions import sync_subscriptions
from platforms.shopify.webhooks import ShopifyWebhooks
from platforms.shopify.writes.writer import create_writer

if TYPE_CHECKING:
    from platforms.sandbox.kit import Sandbox

__all__ = ["SPEC", "ShopifyClient", "ShopifyGraphqlClient"]

GRAPHQL = "graphql"  # the Admin GraphQL API: the default
REST = "rest"  # `options = { api = "rest" }`: the legacy Admin REST API, for custom apps


def _create_client(
    connection: StoreConnection, session: aiohttp.ClientSession | None
) -> ShopifyClient | ShopifyGraphqlClient:
    # Admin GraphQL unless the store selects REST (public apps may use GraphQL only since
    # 2025-04); the writer follows the client: GraphQL mutations, or REST for a REST store.
    if connection.options.get("api") == REST:
        return ShopifyClient(connection, session=session)
    return ShopifyGraphqlClient(connection, session=session)


def _remap_order(raw: dict[str, Any], connection: StoreConnection) -> Order:
    # an order payload kept with its event, through today's mapping: an Admin GraphQL node
    # (its ids are gids) or a REST order (webhook bodies, stores on `api = "rest"`)
    currency = connection.currency_code
    if str(raw.get("id", "")).startswith("gid://"):
        return graphql_orders.map_order(raw, store_id=connection.store_id, shop_currency=currency)
    return orders.map_order(raw, store_id=connection.store_id, shop_currency=currency)


def _create_sandbox(*args: Any, **kwargs: Any) -> Sandbox:
    # imported here so serving real stores never loads the emulator and its seed data.
    from platforms.shopify.sandbox.app import ShopifySandbox

    sandbox: Sandbox = ShopifySandbox(*args, **kwargs)
    return sandbox


# Admin GraphQL: requests are bounded by points (1,000 a document), so a batch is as many
# objects as the dearest document of its kind holds. An orders page with every part selected
# holds 10 orders (fewer parts, more: the nested 50-order page is 1 document); the lines'
# variants, products and stock at 3 locations come with it at 11 points a variant (the
# nested page's 122 variants: 2 documents). By id (`nodes`): orders 12, products with 10
# variants 21, customers 41, fulfillments 38, refunds 25 a document; stock 1 + 2 points an
# item per location (25 locations at most aliased: 19 items), plus the locations once.
GRAPHQL_CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=10),
        Read.LIST_PRODUCTS: Batch(per_call=21),
        Read.LIST_CUSTOMERS: Batch(per_call=41),
        Read.ORDERS: Batch(per_call=12),
        Read.PRODUCTS: Batch(per_call=21),
        Read.VARIANTS: Batch(per_call=20),
        Read.VARIANTS_UNHINTED: Batch(per_call=20, fixed=1),
        Read.INVENTORY: Batch(per_call=19, fixed=1),
        Read.LOCATIONS: Batch(fixed=1),
        Read.CUSTOMERS: Batch(per_call=41),
        Read.FULFILLMENTS: Batch(per_call=38),
        Read.REFUNDS: Batch(per_call=25),
        # a write: its prepare read(s) and one mutation; a cancel also polls its job
        Read.WRITE: Batch(per_key=4),
    }
)

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

_QUANTITIES_NOT_ON_REST = ("on_hand", "committed", "incoming", "reserved")

SPEC = PlatformSpec(
    platform=Platform.SHOPIFY,
    display_name="Shopify",
    required_credentials=("access_token",),
    create_client=_create_client,
    create_sandbox=_create_sandbox,
    default_api_version=DEFAULT_API_VERSION,
    default_rate_limit=DEFAULT_RATE_LIMIT,
    absent_fields={
        "Variant.custom_fields": "variant metafields are not read (12 points a variant)",
        "LineItem.components": "order lines have no child rows (bundles are plugins)",
    },
    webhooks=ShopifyWebhooks(),
    subscribe_webhooks=sync_subscriptions,
    create_writer=create_writer,
    refund_marker=refund_marker,
    mapping_version=MAPPING_VERSION,
    remap_order=_remap_order,
    call_costs=GRAPHQL_CALL_COSTS,
    default_api=GRAPHQL,
    apis={
        REST: ApiDifferences(
            absent_fields={
                "Product.custom_fields": "metafields are a separate request per product",
                "Variant.custom_fields": "metafields are a separate request per variant",
                "LineItem.components": "order lines have no child rows (bundles are plugins)",
                **dict.fromkeys(
                    (f"InventoryLevel.{q}" for q in _QUANTITIES_NOT_ON_REST),
                    "REST inventory levels show `available` only",
                ),
            },
            call_costs=CALL_COSTS,
        )
    },
)
