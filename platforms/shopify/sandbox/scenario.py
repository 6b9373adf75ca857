"""A `Scenario` as a Shopify REST order: presentment and shop money bags, `taxes_included`,
discount allocations, tax lines per line and on shipping, an embedded refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.sandbox.scenario import LineAmounts, Scenario
from platforms.shopify.sandbox.format import clone, gid, money, shop_ts
from platforms.shopify.sandbox.seed_after import REFUND_ID_BASE
from platforms.shopify.sandbox.transactions import SALE_ID_BASE

Payload = dict[str, Any]


def _bag(sc: Scenario, amount: Decimal) -> Payload:
    """A `*_set`: the customer's currency as presentment money, the shop's as shop money."""
    return {
        "shop_money": {
            "amount": money(sc.in_shop_currency(amount)),
            "currency_code": sc.shop_currency,
        },
        "presentment_money": {"amount": money(amount), "currency_code": sc.currency},
    }


def _money(sc: Scenario, payload: Payload, key: str, amount: Decimal) -> None:
    # the plain field is in the shop's currency, as Shopify sends it
    payload[key] = money(sc.in_shop_currency(amount))
    payload[f"{key}_set"] = _bag(sc, amount)


def _tax_line(sc: Scenario, amount: Decimal) -> Payload:
    line: Payload = {"title": sc.tax_title, "rate": float(sc.tax_rate), "channel_liable": False}
    _money(sc, line, "price", amount)
    return line


def _line(sc: Scenario, n: int, amounts: LineAmounts, variant: Payload, ident: int) -> Payload:
    spec = sc.lines[n]
    inclusive = sc.prices_include_tax
    price = amounts.gross_unit if inclusive else amounts.net_unit
    discount = amounts.gross_discount if inclusive else amounts.discount
    allocation: Payload = {"discount_application_index": 0}
    _money(sc, allocation, "amount", discount)
    line: Payload = {
        "id": ident,
        "admin_graphql_api_id": gid("LineItem", ident),
        "name": spec.title,
        "title": spec.title,
        "sku": spec.sku,
        "quantity": spec.quantity,
        "current_quantity": spec.quantity,
        "fulfillable_quantity": spec.quantity,
        "fulfillment_status": None,
        "product_id": variant["product_id"],
        "variant_id": variant["id"],
        "taxable": True,
        "requires_shipping": True,
        "discount_allocations": [allocation],
        "tax_lines": [_tax_line(sc, amounts.tax)],
    }
    _money(sc, line, "price", price)
    _money(sc, line, "total_discount", Decimal(0))  # "0.00" beside allocations, as Shopify
    return line


def _shipping(sc: Scenario, ident: int) -> Payload:
    price = sc.shipping_net + (sc.shipping_tax if sc.prices_include_tax else 0)
    line: Payload = {
        "id": ident,
        "title": sc.shipping_title,
        "code": sc.shipping_title,
        "source": "shopify",
        "discount_allocations": [],
        "tax_lines": [_tax_line(sc, sc.shipping_tax)],
    }
    _money(sc, line, "price", price)
    _money(sc, line, "discounted_price", price)
    return line


def _refund(sc: Scenario, order: Payload) -> list[Payload]:
    found = sc.refund()
    if found is None or sc.refund_line is None:
        return []
    net, tax = found
    line = order["line_items"][sc.refund_line]
    ident = REFUND_ID_BASE + order["id"] % 1_000_000
    refunded: Payload = {
        "id": ident + 1,
        "line_item_id": line["id"],
        "quantity": sc.refund_quantity,
        "restock_type": "return" if sc.refund_restock else "no_restock",
        "location_id": None,
        # numbers here, strings in the bags; on the order's tax basis
        "subtotal": float(net + tax if sc.prices_include_tax else net),
        "subtotal_set": _bag(sc, net + tax if sc.prices_include_tax else net),
        "total_tax": float(tax),
        "total_tax_set": _bag(sc, tax),
        "line_item": clone(line),
    }
    transaction: Payload = {
        "id": ident + 2,
        "kind": "refund",
        "status": "success",
        "gateway": "shopify_payments",
        "parent_id": SALE_ID_BASE + int(order["number"]),
        "amount": money(net + tax),
        "currency": sc.currency,
    }
    return [
        {
            "id": ident,
            "admin_graphql_api_id": gid("Refund", ident),
            "order_id": order["id"],
            "created_at": order["updated_at"],
            "processed_at": order["updated_at"],
            "note": "conformance",
            "restock": sc.refund_restock,
            "refund_line_items": [refunded],
            "transactions": [transaction],
            "order_adjustments": [],
            "refund_shipping_lines": [],
            "duties": [],
            "additional_fees": [],
        }
    ]


def scenario_order(sc: Scenario, template: Payload, variants: list[Payload]) -> Payload:
    """The scenario as an order cloned from `template` (its other keys stay realistic)."""
    order: Payload = clone(template)
    ident, number = order["id"], order["number"]
    amounts = sc.amounts()
    lines = [
        _line(sc, n, a, variants[n % len(variants)], ident * 10 + n) for n, a in enumerate(amounts)
    ]
    inclusive = sc.prices_include_tax
    gross = sum((a.net_total + a.tax for a in amounts), Decimal(0))
    discount = sum((a.gross_discount if inclusive else a.discount for a in amounts), Decimal(0))
    stamp = shop_ts(sc.created_at)
    order.update(
        created_at=stamp,
        processed_at=stamp,
        updated_at=stamp,
        cancelled_at=None,
        closed_at=None,
        cancel_reason=None,
        currency=sc.shop_currency,
        presentment_currency=sc.currency,
        taxes_included=inclusive,
        financial_status="partially_refunded" if sc.refund_line is not None else "paid",
        fulfillment_status=None,
        line_items=lines,
        shipping_lines=[_shipping(sc, ident * 10 + 9)],
        tax_lines=[_tax_line(sc, sc.total_tax())],
        discount_codes=[
            {"code": sc.discount_code, "amount": money(discount), "type": "percentage"}
        ],
        discount_applications=[
            {
                "target_type": "line_item",
                "type": "discount_code",
                "value": f"{sc.discount_percent}",
                "value_type": "percentage",
                "allocation_method": "across",
                "target_selection": "all",
                "code": sc.discount_code,
            }
        ],
        fulfillments=[],
        number=number,
    )
    shipping = sc.shipping_net + (sc.shipping_tax if inclusive else 0)
    for key, amount in (
        ("total_line_items_price", (gross if inclusive else sc.subtotal()) + discount),
        ("subtotal_price", gross if inclusive else sc.subtotal()),
        ("total_discounts", discount),
        ("total_tax", sc.total_tax()),
        ("total_price", sc.total()),
        ("total_shipping_price", shipping),
    ):
        _money(sc, order, key, amount)
    order["total_outstanding"] = "0.00"
    order["refunds"] = _refund(sc, order)
    return order
