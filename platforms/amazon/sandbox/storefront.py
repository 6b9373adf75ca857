"""`POST /_sandbox/orders`: a buyer places a merchant-fulfilled order, as on amazon.com;
the conformance scenario is seeded the same way."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from aiohttp import web

from platforms.amazon.mapping.common import MARKETPLACES as MARKETS
from platforms.amazon.sandbox.seed import AmazonState, Payload, money, stamp
from platforms.amazon.sandbox.seed_orders import build_order
from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.scenario import LineAmounts, Scenario, ScenarioLine
from platforms.sandbox.writes import WriteLog


class AmazonStorefront:
    """New orders placed on the sandbox marketplace."""

    def __init__(self, state: AmazonState, log: WriteLog, now: Callable[[], datetime]) -> None:
        self.state = state
        self.log = log
        self._now = now
        self._rng = random.Random(len(state.orders))

    @classmethod
    def install(
        cls, app: web.Application, state: AmazonState, log: WriteLog, now: Callable[[], datetime]
    ) -> AmazonStorefront:
        """Add the storefront's control route to `app`."""
        front = cls(state, log, now)
        app.router.add_post(f"{CONTROL_PREFIX}/orders", front._create)
        return front

    def place_order(self) -> Payload:
        """A new order updated now; returned as the Orders API shows it."""
        index = len(self.state.orders)
        now = self._now()
        order = build_order(self._rng, self.state, index, now, now)
        self.state.orders[order["orderId"]] = order
        self.log.announce("ORDER_CHANGE", order["orderId"])
        return order

    async def _create(self, _: web.Request) -> web.Response:
        return web.json_response({"order": self.place_order()}, status=201)

    def seed_scenario(self, scenario: Scenario) -> str:
        """The scenario as an unshipped merchant-fulfilled order in a marketplace of its
        currency; its proceeds add up as Amazon's do (tax stated apart); its refund is a
        Finances API RefundEvent (the Orders API shows none)."""
        order_id = f"302-{len(self.state.orders):07d}-{5550000 + len(self.state.orders):07d}"
        market = next(
            (m for m, cur in MARKETS.items() if cur == scenario.currency), "ATVPDKIKX0DER"
        )
        items = [
            _scenario_item(scenario, n, line, amounts)
            for n, (line, amounts) in enumerate(
                zip(scenario.lines, scenario.amounts(), strict=True)
            )
        ]
        _ship(items[0], scenario)
        created = stamp(scenario.created_at)
        self.state.orders[order_id] = {
            "orderId": order_id,
            "createdTime": created,
            "lastUpdatedTime": created,
            "programs": [],
            "orderItems": items,
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": market},
            "fulfillment": {
                "fulfillmentStatus": "UNSHIPPED",
                "fulfilledBy": "MERCHANT",
                "fulfillmentServiceLevel": scenario.shipping_title,
            },
            "proceeds": {"grandTotal": money(scenario.total(), scenario.currency)},
        }
        self._refund(order_id, items, scenario, created)
        return order_id

    def _refund(self, order_id: str, items: list[Payload], scenario: Scenario, at: str) -> None:
        """The scenario's refund as the Finances API's RefundEvent (Principal and Tax given
        back, negative to the seller)."""
        given = scenario.refund()
        if given is None or scenario.refund_line is None:
            return
        cur = scenario.currency
        charges = [
            {"ChargeType": kind, "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": -float(v)}}
            for kind, v in (("Principal", given[0]), ("Tax", given[1]))
            if v
        ]
        row = {
            "OrderAdjustmentItemId": items[scenario.refund_line]["orderItemId"],
            "QuantityShipped": scenario.refund_quantity,
            "ItemChargeAdjustmentList": charges,
        }
        event = {"AmazonOrderId": order_id, "PostedDate": at, "ShipmentItemAdjustmentList": [row]}
        self.state.refunds[order_id] = [event]


def _scenario_item(scenario: Scenario, n: int, line: ScenarioLine, a: LineAmounts) -> Payload:
    cur = scenario.currency
    rows: list[Payload] = [{"type": "ITEM", "subtotal": money(a.net_subtotal, cur)}]
    if a.discount:
        rows.append(
            {
                "type": "DISCOUNT",
                "subtotal": money(-a.discount, cur),
                "detailedBreakdowns": [{"subtype": "ITEM", "value": money(-a.discount, cur)}],
            }
        )
    rows.append(
        {
            "type": "TAX",
            "subtotal": money(a.tax, cur),
            "detailedBreakdowns": [{"subtype": "ITEM", "value": money(a.tax, cur)}],
        }
    )
    item: Payload = {
        "orderItemId": f"{90000000000000 + n}",
        "quantityOrdered": a.quantity,
        "product": {
            "sellerSku": line.sku,
            "title": line.title,
            "price": {"unitPrice": money(a.net_unit, cur)},
        },
        "proceeds": {"breakdowns": rows},
        "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": a.quantity},
    }
    if a.discount:
        item["promotion"] = {"breakdowns": [{"promotionId": scenario.discount_code}]}
    return item


def _ship(item: Payload, scenario: Scenario) -> None:
    """Shipping (and its tax) rides on the first item, as Amazon attributes it."""
    cur, net, tax = scenario.currency, scenario.shipping_net, scenario.shipping_tax
    rows = item["proceeds"]["breakdowns"]
    rows.insert(1, {"type": "SHIPPING", "subtotal": money(net, cur)})
    taxes = next(r for r in rows if r["type"] == "TAX")
    taxes["subtotal"] = money(Decimal(taxes["subtotal"]["amount"]) + tax, cur)
    taxes["detailedBreakdowns"].append({"subtype": "SHIPPING", "value": money(tax, cur)})
