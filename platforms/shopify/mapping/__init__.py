"""Shopify payloads to canonical objects: pure functions, one module per domain (`orders`,
`catalog`, `people`) and their shared helpers (`common`)."""

# The mapping's version (PlatformSpec.mapping_version, recorded on every event):
#   1  before issue 16
#   2  issue 16: money as docs/money.md defines it (subtotal after discounts, tax-exclusive
#      amounts, rates as fractions, plain minor-unit decimals, refund lines on order lines)
MAPPING_VERSION = "2"
