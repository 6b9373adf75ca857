"""Shopify payloads to canonical objects: pure functions, one module per domain (`orders`,
`catalog`, `people`) and their shared helpers (`common`)."""
