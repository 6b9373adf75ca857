"""A `Scenario` as a WooCommerce REST v3 order: net line subtotals/totals with their taxes
(also when `prices_include_tax`), a coupon line, taxed shipping, a refund summary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.sandbox.scenario import LineAmounts, Scenario
from platforms.woocommerce.sandbox.seed import dates, fmt, php_number

Payload = dict[str, Any]
RATE_ID = 1
REFUND_ID_BASE = 8_000_000  # + order id: below the write routes' 9_000_001


def _line(sc: Scenario, n: int, amounts: LineAmounts, product: Payload, ident: int) -> Payload:
    spec = sc.lines[n]
    subtotal_tax = amounts.tax + (amounts.gross_discount - amounts.discount)
    return {
        "id": ident,
        "name": spec.title,
        "product_id": product["id"],
        "variation_id": 0,
        "quantity": spec.quantity,
        "tax_class": "",
        # WooCommerce keeps line amounts net of tax even when prices include it
        "subtotal": fmt(amounts.net_subtotal),
        "subtotal_tax": fmt(subtotal_tax),
        "total": fmt(amounts.net_total),
        "total_tax": fmt(amounts.tax),
        "taxes": [{"id": RATE_ID, "total": fmt(amounts.tax), "subtotal": fmt(subtotal_tax)}],
        "meta_data": [],
        "sku": spec.sku,
        "price": php_number(amounts.net_total / spec.quantity),
        "image": {"id": "", "src": ""},
        "parent_name": None,
    }


def scenario_order(sc: Scenario, template: Payload, products: list[Payload]) -> Payload:
    """The scenario as an order cloned from `template` (its other keys stay realistic)."""
    order = dict(template)
    oid = order["id"]
    amounts = sc.amounts()
    lines = [
        _line(sc, n, a, products[n % len(products)], oid * 10 + n) for n, a in enumerate(amounts)
    ]
    discount_tax = sum((a.gross_discount - a.discount for a in amounts), Decimal(0))
    order.update(
        currency=sc.currency,
        status="processing",
        prices_include_tax=sc.prices_include_tax,
        **dates("date_created", sc.created_at),
        **dates("date_modified", sc.created_at),
        **dates("date_paid", sc.created_at),
        **dates("date_completed", None),
        discount_total=fmt(sc.discount_total()),
        discount_tax=fmt(discount_tax if sc.prices_include_tax else Decimal(0)),
        shipping_total=fmt(sc.shipping_net),
        shipping_tax=fmt(sc.shipping_tax),
        cart_tax=fmt(sc.line_tax()),
        total_tax=fmt(sc.total_tax()),
        total=fmt(sc.total()),
        payment_method="stripe",
        line_items=lines,
        fee_lines=[],
        coupon_lines=[
            {
                "id": oid * 10 + 6,
                "code": sc.discount_code.lower(),
                "discount": fmt(sc.discount_total()),
                "discount_tax": fmt(discount_tax),
                "meta_data": [],
            }
        ],
        tax_lines=[
            {
                "id": oid * 10 + 7,
                "rate_code": "CONF-VAT-1",
                "rate_id": RATE_ID,
                "label": sc.tax_title,
                "compound": False,
                "tax_total": fmt(sc.line_tax()),
                "shipping_tax_total": fmt(sc.shipping_tax),
                "rate_percent": php_number(sc.tax_rate * 100),  # WooCommerce: a percentage
                "meta_data": [],
            }
        ],
        shipping_lines=[
            {
                "id": oid * 10 + 8,
                "method_title": sc.shipping_title,
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": fmt(sc.shipping_net),
                "total_tax": fmt(sc.shipping_tax),
                "taxes": [{"id": RATE_ID, "total": fmt(sc.shipping_tax), "subtotal": ""}],
                "meta_data": [],
            }
        ],
        refunds=[],
    )
    return order


def scenario_refund(sc: Scenario, order: Payload, rid: int) -> tuple[Payload, Payload] | None:
    """(the order's refund summary, what its POST asked) for the scenario's refund."""
    found = sc.refund()
    if found is None or sc.refund_line is None:
        return None
    net, tax = found
    line = order["line_items"][sc.refund_line]
    summary = {"id": rid, "reason": "conformance", "total": fmt(-(net + tax))}
    asked = {
        "line_items": [{"line": line, "quantity": sc.refund_quantity, "refund_total": net}],
        "api_refund": True,
        "api_restock": sc.refund_restock,
    }
    return summary, asked
