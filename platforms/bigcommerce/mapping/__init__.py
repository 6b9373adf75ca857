"""BigCommerce payload -> canonical mapping: pure functions, tolerant on input, strict on output."""

MAPPING_VERSION = "1"
