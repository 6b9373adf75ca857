"""Contract over HTTP: `taxLines` cost what each platform states, and add up to `totalTax`.

Most platforms carry an order's taxes in its own payload (0 calls beyond the page);
BigCommerce V2 lists them in a sub-resource that no order `include` brings along
(`orders/{id}/taxes`): 1 call per taxed order on the page, spent only when `taxLines` is
selected (the nested query of test_gateway.py does not select it and costs no such call).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tests.platforms.contract.support import OpenStore

if TYPE_CHECKING:
    from tests.conftest import StartGateway

FIRST = 20
TAXED = """
query Taxed($first: Int) {
  orders(first: $first) { edges { node {
    totalTax { amount }
    taxLines { title rate amount { amount } }
  } } }
}"""

# upstream calls of TAXED for a page of n orders of which t are taxed
TAX_LINE_CALLS: dict[str, Callable[[int, int], int]] = {
    "shopify-graphql": lambda n, t: 1,
    "shopify-rest": lambda n, t: 1,
    "woocommerce": lambda n, t: 1,
    "magento": lambda n, t: 1,
    "amazon": lambda n, t: 1,
    "bigcommerce": lambda n, t: 1 + t,  # orders/{id}/taxes per taxed order, none untaxed
}


def _sum(lines: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(t["amount"]["amount"]) for t in lines), Decimal(0))


async def test_tax_lines_cost_what_the_platform_states_and_add_up(
    open_store: OpenStore, start_gateway: StartGateway
) -> None:
    store = await open_store("taxed")
    gateway = await start_gateway([store.connection])
    store.sandbox.calls.reset()

    edges = (await gateway.data(TAXED, {"first": FIRST}))["orders"]["edges"]

    orders = [e["node"] for e in edges]
    taxed = [o for o in orders if Decimal(o["totalTax"]["amount"]) != 0]
    assert len(orders) == FIRST and taxed
    calls = TAX_LINE_CALLS.get(store.api)
    assert calls is not None, f"state {store.api}'s cost of TAXED in TAX_LINE_CALLS"
    assert store.sandbox.calls.total == calls(len(orders), len(taxed)), store.sandbox.calls.by_route
    for order in orders:
        if order["taxLines"]:  # platforms that itemise taxes: they add up to the total
            assert _sum(order["taxLines"]) == Decimal(order["totalTax"]["amount"]), order
    if "Order.tax_lines" not in store.spec.absent_fields:  # every taxed order itemised
        assert all(o["taxLines"] for o in taxed)
    rates = [t["rate"] for o in taxed for t in o["taxLines"] if t["rate"] is not None]
    assert all(0 < r < 1 for r in rates)  # fractions, never percentages
