"""Amazon Selling Partner API platform package: LWA auth, per-operation usage plans, Orders
2026-01-01, Listings Items, FBA inventory, mapping and a faithful local sandbox."""

from __future__ import annotations

from typing import Any

from platforms.adapter import StoreConnection
from platforms.amazon.client import AmazonClient
from platforms.amazon.mapping import MAPPING_VERSION, orders, orders_v0
from platforms.amazon.rest import DEFAULT_RATE_LIMIT
from platforms.amazon.webhooks import AmazonWebhooks
from platforms.amazon.writes.writer import create_writer
from platforms.canonical import Order, Platform
from platforms.costs import FREE, Batch, CallCosts, Read
from platforms.registry import PlatformSpec, SyncedMirror


def _create_sandbox(**kwargs: Any) -> Any:
    # lazy: the gateway imports SPEC in production, where the sandbox (and its seed) is unused.
    from platforms.amazon.sandbox.app import AmazonSandbox

    return AmazonSandbox(**kwargs)


def remap_order(raw: dict[str, Any], connection: StoreConnection) -> Order:
    """A kept order payload through today's mapping: Orders 2026-01-01 (what the client and
    the mirror keep), or v0 (`AmazonOrderId`: payloads users hold, v0-shaped deliveries)."""
    currency = connection.currency_code
    if "AmazonOrderId" in raw:
        return orders_v0.map_v0_order(raw, store_id=connection.store_id, default_currency=currency)
    return orders.map_order(raw, store_id=connection.store_id, default_currency=currency)


# Listings are searched 20 SKUs a call (families need their parents and children too), FBA
# stock 50 SKUs a call per marketplace (two configured: the sandbox's), orders by id one
# `getOrder` each, refunds one `listFinancialEventsByOrderId` each; locations, customers and
# shipments cost nothing.
CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=100),
        Read.LIST_PRODUCTS: Batch(fixed=1, per_key=0.4),
        Read.LIST_CUSTOMERS: FREE,
        Read.ORDERS: Batch(per_key=1),
        Read.PRODUCTS: Batch(per_call=20, per_key=0.2),
        Read.VARIANTS: Batch(per_call=10),
        Read.VARIANTS_UNHINTED: Batch(per_call=10),
        # ceil(n/20) listings + 2 x ceil(n/50) summaries <= 3 + 0.09 n
        Read.INVENTORY: Batch(fixed=3, per_key=0.09),
        Read.LOCATIONS: FREE,
        Read.CUSTOMERS: FREE,
        Read.FULFILLMENTS: FREE,
        Read.REFUNDS: Batch(per_key=1),  # listFinancialEventsByOrderId per order
        Read.WRITE: Batch(per_key=3),
    }
)
_PERSONAL = (
    "personal: read with a Restricted Data Token only for a request that selects it and may "
    "see it (read:customers); the contract suite reads without one"
)

SPEC = PlatformSpec(
    platform=Platform.AMAZON,
    display_name="Amazon (SP-API)",
    required_credentials=("refresh_token", "client_id", "client_secret"),
    create_client=lambda conn, session: AmazonClient(conn, session=session),
    create_sandbox=_create_sandbox,
    default_api_version="2026-01-01",
    default_rate_limit=DEFAULT_RATE_LIMIT,
    notes={
        "auth": "Login with Amazon: refresh token -> hour-long access token (x-amz-access-token)",
        "rate limits": "one token bucket per operation, from the usage plans",
        "locations": "'merchant' (seller-fulfilled quantity) + 'fba-<marketplace>' per marketplace",
    },
    absent_fields={
        "Order.email": _PERSONAL,
        "Order.shipping_address": _PERSONAL,
        "Order.billing_address": "Amazon gives sellers no billing address",
        "Order.customer_external_id": "Amazon has no customer accounts for sellers",
        "Order.cancelled_at": "Amazon states who cancelled and why, not when",
        "TaxLine.rate": "Amazon states tax amounts, not rates",
        "Order.taxes_included": "Amazon states tax apart from every amount, never how prices "
        "were entered",
        "LineItem.product_external_id": "order items name the SKU and child ASIN, not the family",
        "LineItem.components": "order items have no child rows",
        "Location.address": "FBA networks and the merchant location have no address here",
        "Customer.email": "Amazon has no customer accounts for sellers",
        "Refund.note": "Amazon's RefundEvents carry no note",
        "Order.financial_status (refunds)": "the Orders API does not show refunds: an order "
        "stays PAID; its refunds are read from the Finances API",
        "Refund.transactions": "Amazon moves the money itself: no gateway transactions",
    },
    create_writer=create_writer,
    webhooks=AmazonWebhooks(),
    # searchOrders allows one call per 1/0.0056 = 179 s after its burst: `orders(...)` is
    # listed from the poller's mirror, polled no more often than that
    synced_mirror=SyncedMirror(min_poll_seconds=180.0),
    mapping_version=MAPPING_VERSION,
    remap_order=remap_order,
    call_costs=CALL_COSTS,
)

__all__ = ["SPEC", "AmazonClient"]
