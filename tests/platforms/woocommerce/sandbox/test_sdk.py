"""The official `woocommerce` SDK against the sandbox over a real socket: refunds and sale
prices behave as WooCommerce does (issue 16)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from woocommerce import API  # type: ignore[import-untyped]

from tests.helpers.woocommerce import Served


def _sdk(served: Served) -> API:
    credentials = served.sandbox.connection("x", "").credentials
    return API(
        url=served.base_url,
        consumer_key=credentials["consumer_key"],
        consumer_secret=credentials["consumer_secret"],
        version="wc/v3",
        timeout=5,
    )


async def _send(served: Served, method: str, path: str, data: Any = None) -> Any:
    sdk = _sdk(served)
    call = getattr(sdk, method)
    args = (path,) if data is None else (path, data)
    response = await asyncio.to_thread(call, *args)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _refundable(served: Served) -> dict[str, Any]:
    """A paid order with two lines, nothing refunded, paid through a gateway that refunds."""
    return next(
        o
        for o in served.sandbox.state.orders.values()
        if o["status"] == "processing"
        and len(o["line_items"]) >= 2
        and not o.get("refunds")
        and o["payment_method"] == "stripe"
    )


async def test_manual_refund_keeps_its_partial_lines_and_moves_no_money(served: Served) -> None:
    """`api_refund: false` records the refund only: `refunded_payment` false, and the one
    line refunded is on the refund (the sandbox said true, and dropped the lines)."""
    order = _refundable(served)
    line = order["line_items"][0]
    amount = Decimal(line["total"]) / line["quantity"]
    body = {
        "amount": f"{amount:.2f}",
        "api_refund": False,
        "line_items": [{"id": line["id"], "quantity": 1, "refund_total": f"{amount:.2f}"}],
    }
    refund = await _send(served, "post", f"orders/{order['id']}/refunds", body)
    assert refund["refunded_payment"] is False
    (refunded,) = refund["line_items"]
    assert refunded["quantity"] == -1
    assert Decimal(refunded["total"]) == -amount
    meta = {m["key"]: m["value"] for m in refunded["meta_data"]}
    assert meta["_refunded_item_id"] == str(line["id"])
    listed = await _send(served, "get", f"orders/{order['id']}/refunds")
    assert listed[0]["line_items"] == refund["line_items"]


async def test_gateway_refund_reports_the_payment_refunded(served: Served) -> None:
    order = _refundable(served)
    body = {"amount": "1.00", "api_refund": True}
    refund = await _send(served, "post", f"orders/{order['id']}/refunds", body)
    assert refund["refunded_payment"] is True and refund["line_items"] == []


async def test_regular_price_below_the_sale_price_ends_the_sale(served: Served) -> None:
    """WooCommerce is on sale only when the sale price is below the regular price: a
    regular price of 9.99 under a 29.52 sale price gives price 9.99, on_sale false."""
    product = next(
        p
        for p in served.sandbox.state.products.values()
        if p["on_sale"] and Decimal(p["sale_price"]) > Decimal("9.99")
    )
    answer = await _send(served, "put", f"products/{product['id']}", {"regular_price": "9.99"})
    assert (answer["price"], answer["on_sale"], answer["regular_price"]) == ("9.99", False, "9.99")
    again = await _send(served, "put", f"products/{product['id']}", {"regular_price": "99.00"})
    assert again["on_sale"] is True and again["price"] == again["sale_price"]
