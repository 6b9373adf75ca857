"""Magento 2 / Adobe Commerce platform package: exports SPEC for the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.adapter import PlatformSpec
from platforms.canonical import Platform
from platforms.magento.client import DEFAULT_RATE_LIMIT, MagentoClient

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
)

__all__ = ["SPEC", "MagentoClient"]
