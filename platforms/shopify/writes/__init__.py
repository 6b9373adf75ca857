"""Shopify writes: the store's `PlatformWriter` (`writer`: dispatch, stock, price) and its order
writes (`orders`)."""
