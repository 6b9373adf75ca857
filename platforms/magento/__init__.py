"""Magento 2 / Adobe Commerce platform package: exports SPEC for the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.adapter import PlatformSpec
from platforms.canonical import Platform
from platforms.magento.client import MagentoClient
from platforms.magento.map_people import refund_marker
from platforms.magento.rest import DEFAULT_RATE_LIMIT
from platforms.magento.writes import create_writer

if TYPE_CHECKING:
    from platforms.sandbox_kit import Sandbox


def _create_sandbox(**kwargs: Any) -> Sandbox:
    # imported lazily: a production gateway never loads the emulator.
    from platforms.magento.sandbox import MagentoSandbox

    return MagentoSandbox(**kwargs)


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
    },
    create_writer=create_writer,
    refund_marker=refund_marker,
)

__all__ = ["SPEC", "MagentoClient"]
