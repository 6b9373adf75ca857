"""`orders/{id}/taxes` in the sandbox has BigCommerce's shape (the keys of the real payload in
tests/fixtures/realworld/bigcommerce/order_taxes_v2.json, rates as 4-decimal percentages) and
the client maps it to tax lines that add up to the order's `total_tax`: one call an order."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from platforms.bigcommerce import SPEC, BigCommerceClient
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.bigcommerce.sandbox.orders import order_taxes
from platforms.sandbox.kit import serve

REAL = Path(__file__).parents[2] / "fixtures" / "realworld" / "bigcommerce" / "order_taxes_v2.json"


async def test_taxes_have_the_real_shape_and_add_up_to_the_order_total() -> None:
    sandbox = BigCommerceSandbox(seed=1, orders=12, products=10)
    real_keys = set(json.loads(REAL.read_text())[0])
    async with serve(sandbox.app) as url:
        client = SPEC.create_client(sandbox.connection("taxes", url), None)
        assert isinstance(client, BigCommerceClient)
        try:
            orders = await client.get_orders([str(i) for i in sorted(sandbox.state.orders)])
            sandbox.calls.reset()
            taxes = await client.get_tax_lines(list(orders))
        finally:
            await client.aclose()
    assert sandbox.calls.total == len(orders)  # V2 has no batch read of taxes
    for order_id, order in orders.items():
        lines = taxes[order_id]
        assert sum((t.amount.amount for t in lines), Decimal(0)) == order.total_tax.amount
        assert all(t.rate == Decimal("0.08") for t in lines)  # the seed's rate, "8.0000" / 100
        assert all(t.amount.currency_code == order.currency_code for t in lines)
    taxed = next(i for i, o in sandbox.state.orders.items() if Decimal(o["total_tax"]) > 0)
    [row] = order_taxes(sandbox.state, taxed)
    assert set(row) == real_keys and row["rate"] == "8.0000"
