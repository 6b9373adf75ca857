"""A local emulator of one BigCommerce store's V2 and V3 REST APIs."""

from platforms.bigcommerce.sandbox.app import BigCommerceSandbox

__all__ = ["BigCommerceSandbox"]
