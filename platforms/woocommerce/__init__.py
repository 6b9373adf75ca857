"""WooCommerce platform package: REST v3 client, mapping and a faithful local sandbox."""

from __future__ import annotations

from typing import Any

from platforms.adapter import PlatformSpec, RateLimitSettings
from platforms.canonical import Platform
from platforms.woocommerce.client import WooCommerceClient


def _create_sandbox(**kwargs: Any) -> Any:
    # lazy: the gateway imports SPEC in production, where the sandbox (and its seed) is unused.
    from platforms.woocommerce.sandbox import WooCommerceSandbox

    return WooCommerceSandbox(**kwargs)


SPEC = PlatformSpec(
    platform=Platform.WOOCOMMERCE,
    display_name="WooCommerce",
    required_credentials=("consumer_key", "consumer_secret"),
    create_client=lambda conn, session: WooCommerceClient(conn, session=session),
    create_sandbox=_create_sandbox,
    default_api_version="wc/v3",
    # Core WooCommerce has no REST rate limit; PHP workers are the bottleneck, so we
    # self-limit to 20 requests in a burst, 10/s sustained.
    default_rate_limit=RateLimitSettings(20, 10),
    notes={
        "auth": "HTTPS: Basic ck:cs; HTTP: OAuth 1.0a HMAC-SHA256 query signature",
        "locations": "one synthetic location 'default' (core stock is not per place)",
    },
)

__all__ = ["SPEC", "WooCommerceClient"]
