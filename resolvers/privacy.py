"""Personal data out of platform payloads: what `[privacy] customer_raw = false` removes."""

from __future__ import annotations

from typing import Any

# Keys under which the platforms put a person's name, contact or address in an order,
# fulfilment or refund payload (Shopify, WooCommerce, Magento, Amazon spellings).
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "customer_email",
        "phone",
        "customer",
        "billing_address",
        "shipping_address",
        "billing",
        "shipping",
        "address",
        "addresses",
        "destination",
        "first_name",
        "last_name",
        "firstname",
        "lastname",
        "customer_firstname",
        "customer_lastname",
        "customer_middlename",
        "customer_dob",
        "customer_taxvat",
        "name",
        "browser_ip",
        "client_details",
        "customer_ip_address",
        "remote_ip",
        "customer_user_agent",
        "customer_note",
        "note",
        "telephone",
        "street",
        # Shopify Admin GraphQL (camelCase, lower-cased as compared)
        "billingaddress",
        "defaultaddress",
        "addressesv2",
        "defaultemailaddress",
        "defaultphonenumber",
        "emailaddress",
        "phonenumber",
        "clientip",
        # Amazon SP-API (Orders 2026-01-01 and v0, lower-cased as compared)
        "buyer",
        "recipient",
        "buyerinfo",
        "shippingaddress",
    }
)


def redact_personal(value: Any) -> Any:
    """A copy of `value` with every PERSONAL_KEYS entry removed, at any depth."""
    if isinstance(value, dict):
        return {k: redact_personal(v) for k, v in value.items() if k.lower() not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [redact_personal(v) for v in value]
    return value
