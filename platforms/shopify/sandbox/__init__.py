"""A local emulator of one Shopify store's Admin REST API."""

from platforms.shopify.sandbox.app import ShopifySandbox

__all__ = ["ShopifySandbox"]
