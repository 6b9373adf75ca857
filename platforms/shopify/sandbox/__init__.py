"""A local emulator of one Shopify store's Admin API: REST, and GraphQL 2026-10."""

from platforms.shopify.sandbox.app import ShopifySandbox

__all__ = ["ShopifySandbox"]
