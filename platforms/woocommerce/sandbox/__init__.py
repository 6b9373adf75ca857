"""A local emulator of one WooCommerce store's REST v3 API."""

from platforms.woocommerce.sandbox.app import WooCommerceSandbox

__all__ = ["WooCommerceSandbox"]
