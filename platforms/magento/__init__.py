"""Magento 2 / Adobe Commerce platform package: exports SPEC for the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.adapter import StoreConnection
from platforms.canonical import Order, Platform
from platforms.costs import Batch, CallCosts, Read
from platforms.magento.client import MagentoClient
from platforms.magento.mapping import MAPPING_VERSION, orders
from platforms.magento.mapping.people import refund_marker
from platforms.magento.rest import DEFAULT_RATE_LIMIT
from platforms.magento.writes.writer import create_writer
from platforms.registry import PlatformSpec

if TYPE_CHECKING:
    from platforms.sandbox.kit import Sandbox


def _create_sandbox(**kwargs: Any) -> Sandbox:
    # imported lazily: a production gateway never loads the emulator.
    from platforms.magento.sandbox.app import MagentoSandbox

    return MagentoSandbox(**kwargs)


def _remap_order(raw: dict[str, Any], connection: StoreConnection) -> Order:
    # an order payload kept with its (polled) event, through today's mapping
    return orders.map_order(raw, connection.store_id, connection.currency_code)


# REST searches: `in` filters of 300 values a call; +1 for configurables' other children,
# +1 more to find the parents of variant ids given alone (no child-to-parent lookup).
CALL_COSTS = CallCosts(
    {
        Read.LIST_ORDERS: Batch(per_call=300),
        Read.LIST_PRODUCTS: Batch(per_call=300, fixed=1),
        Read.LIST_CUSTOMERS: Batch(per_call=300),
        Read.ORDERS: Batch(per_call=300),
        Read.PRODUCTS: Batch(per_call=300, fixed=1),
        Read.VARIANTS: Batch(per_call=300, fixed=1),
        Read.VARIANTS_UNHINTED: Batch(per_call=300, fixed=2),
        Read.INVENTORY: Batch(per_call=300),
        Read.LOCATIONS: Batch(fixed=1),
        Read.CUSTOMERS: Batch(per_call=300),
        Read.FULFILLMENTS: Batch(per_call=300),
        Read.REFUNDS: Batch(per_call=300),
        Read.WRITE: Batch(per_key=3),
    }
)

SPEC = PlatformSpec(
    platform=Platform.MAGENTO,
    display_name="Magento 2 / Adobe Commerce",
    required_credentials=("access_token",),
    create_client=lambda conn, session: MagentoClient(conn, session=session),
    create_sandbox=_create_sandbox,
    default_api_version="V1",
    default_rate_limit=DEFAULT_RATE_LIMIT,
    notes={
        "store_code": "options.store_code selects /rest/<store_code>/V1 (default 'default')",
        "msi": "options.msi = 'true'/'false' skips MSI detection (default: detect on first use)",
        "rate_limit": "Magento has no general REST limit; PHP-FPM is the bottleneck",
    },
    absent_fields={
        "Order.custom_fields": "sales orders carry no custom_attributes",
        "Product.tags": "Magento has no product tags",
        "Product.vendor": "no standard vendor attribute",
        "Variant.barcode": "no standard barcode attribute",
        "Variant.compare_at_price": "sale prices are special_price attributes (not mapped)",
        "InventoryLevel.updated_at": "MSI source items carry no timestamp",
        "Address.country": "addresses carry country_id (the code) only",
        "Order.taxes_included": "orders do not say whether catalogue prices include tax",
        **dict.fromkeys(
            ("InventoryLevel.on_hand", "InventoryLevel.committed", "InventoryLevel.incoming"),
            "stock is one available quantity",
        ),
        "InventoryLevel.reserved": "stock is one available quantity",
    },
    create_writer=create_writer,
    refund_marker=refund_marker,
    mapping_version=MAPPING_VERSION,
    remap_order=_remap_order,
    call_costs=CALL_COSTS,
)

__all__ = ["SPEC", "MagentoClient"]
