"""A `Scenario` as a Magento order: tax-exclusive item rows (the last line a configurable:
parent row plus child row), base-currency twins, applied taxes, and a credit memo."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.magento.sandbox.seed import num, stamp
from platforms.magento.sandbox.seed_totals import complete_order
from platforms.sandbox.scenario import LineAmounts, Scenario

Payload = dict[str, Any]
CREDITMEMO_BASE = 800_000  # + order id: apart from the write routes' memo ids


def _row(order_id: int, item_id: int, product: Payload, sku: str, when: str) -> Payload:
    return {
        "item_id": item_id,
        "order_id": order_id,
        "product_id": product["id"],
        "product_type": product["type_id"],
        "sku": sku,
        "name": product["name"],
        "store_id": 1,
        "created_at": when,
        "updated_at": when,
        "is_virtual": 0,
        "weight": 0.5,
    }


def _priced(row: Payload, sc: Scenario, amounts: LineAmounts, refunded: int) -> None:
    """Magento's own amounts: net price and row, discount on net, tax after discount."""
    row.update(
        qty_ordered=amounts.quantity,
        price=num(amounts.net_unit),
        row_total=num(amounts.net_subtotal),
        discount_amount=num(amounts.discount),
        tax_amount=num(amounts.tax),
        tax_percent=num(sc.tax_rate * 100),
        qty_invoiced=amounts.quantity,
        qty_shipped=0,
        qty_refunded=refunded,
        qty_canceled=0,
    )


def _zero(row: Payload, quantity: int, refunded: int) -> None:
    row.update(qty_ordered=quantity, price=0, row_total=0, discount_amount=0, tax_amount=0)
    row.update(tax_percent=0, qty_invoiced=quantity, qty_shipped=0)
    row.update(qty_refunded=refunded, qty_canceled=0)


def _items(sc: Scenario, order_id: int, products: list[Payload], child: Payload) -> list[Payload]:
    rows: list[Payload] = []
    when = stamp(sc.created_at)
    for n, amounts in enumerate(sc.amounts()):
        refunded = sc.refund_quantity if n == sc.refund_line else 0
        last = n == len(sc.lines) - 1
        product = child["parent"] if last else products[n % len(products)]
        row = _row(order_id, order_id * 10 + len(rows), product, sc.lines[n].sku, when)
        _priced(row, sc, amounts, refunded)
        rows.append(row)
        if last:  # a configurable: the child row names the variant, priced on the parent
            kid = _row(order_id, row["item_id"] + 1, child["product"], sc.lines[n].sku, when)
            _zero(kid, amounts.quantity, refunded)
            kid["parent_item_id"] = row["item_id"]
            rows.append(kid)
    return rows


def scenario_order(
    sc: Scenario, template: Payload, products: list[Payload], child: Payload
) -> Payload:
    """The scenario as an order from `template` (addresses, customer kept); `child` is
    {"parent": configurable product, "product": one of its children}."""
    oid = template["entity_id"]
    order = {k: v for k, v in template.items() if not k.startswith(("base_", "total_"))}
    rows = _items(sc, oid, products, child)
    refund = sc.refund()
    refunded = sum(refund, Decimal(0)) if refund else Decimal(0)
    order.update(
        created_at=stamp(sc.created_at),
        updated_at=stamp(sc.created_at),
        state="processing",
        status="processing",
        base_currency_code=sc.shop_currency,
        global_currency_code=sc.shop_currency,
        store_currency_code=sc.shop_currency,
        order_currency_code=sc.currency,
        coupon_code=sc.discount_code,
        discount_description=sc.discount_code,
        subtotal=num(sum((a.net_subtotal for a in sc.amounts()), Decimal(0))),
        discount_amount=num(-sc.discount_total()),
        shipping_amount=num(sc.shipping_net),
        shipping_tax_amount=num(sc.shipping_tax),
        shipping_description=sc.shipping_title,
        tax_amount=num(sc.total_tax()),
        grand_total=num(sc.total()),
        total_paid=num(sc.total()),
        total_refunded=num(refunded),
        total_qty_ordered=sum(li.quantity for li in sc.lines),
        total_item_count=len(rows),
        items=rows,
        status_histories=[],
    )
    order["payment"] = {**template["payment"], "amount_ordered": num(sc.total())}
    tax = sc.total_tax()
    taxes = [{"code": "CONF", "title": sc.tax_title, "percent": num(sc.tax_rate * 100)}]
    taxes[0] |= {"amount": num(tax), "base_amount": num(sc.in_shop_currency(tax))}
    order["extension_attributes"] = {
        "shipping_assignments": template["extension_attributes"]["shipping_assignments"],
        "applied_taxes": taxes,
    }
    complete_order(order, sc.exchange_rate)
    return order


def scenario_creditmemo(sc: Scenario, order: Payload) -> Payload | None:
    """The scenario's refund as the credit memo `GET /V1/creditmemos` lists: the refunded
    configurable's parent row and its child row, as Magento records both."""
    found = sc.refund()
    if found is None or sc.refund_line is None:
        return None
    net, tax = found
    ident = CREDITMEMO_BASE + order["entity_id"]
    tops = [r for r in order["items"] if "parent_item_id" not in r]
    parent = tops[sc.refund_line]
    named = [parent, *(r for r in order["items"] if r.get("parent_item_id") == parent["item_id"])]
    share = Decimal(sc.refund_quantity) / Decimal(str(parent["qty_ordered"]))
    items = [
        {
            "entity_id": ident * 10 + n,
            "parent_id": ident,
            "order_item_id": row["item_id"],
            "product_id": row["product_id"],
            "sku": row["sku"],
            "name": row["name"],
            "price": row["price"],
            "qty": sc.refund_quantity,
            "row_total": num(Decimal(str(row["row_total"])) * share),
            "discount_amount": num(Decimal(str(row["discount_amount"])) * share),
            "tax_amount": num(Decimal(str(row["tax_amount"])) * share),
        }
        for n, row in enumerate(named)
    ]
    return {
        "entity_id": ident,
        "increment_id": f"{ident:09d}",
        "order_id": order["entity_id"],
        "invoice_id": None,
        "store_id": 1,
        "state": 2,
        "created_at": order["updated_at"],
        "updated_at": order["updated_at"],
        "order_currency_code": sc.currency,
        "base_currency_code": sc.shop_currency,
        "subtotal": num(net + Decimal(str(parent["discount_amount"])) * share),
        "tax_amount": num(tax),
        "shipping_amount": 0,
        "adjustment_positive": 0,
        "adjustment_negative": 0,
        "grand_total": num(net + tax),
        "base_grand_total": num(sc.in_shop_currency(net + tax)),
        "customer_note": None,
        "comments": [],
        "items": items,
    }
