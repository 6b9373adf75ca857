"""The conformance scenario (platforms/sandbox/scenario.py) as a BigCommerce V2 order in the
customer's (transactional) currency, with a V3 refund of one line."""

from __future__ import annotations

from decimal import Decimal

from platforms.bigcommerce.sandbox.seed import StoreState, iso, rfc2822, v2_money
from platforms.bigcommerce.sandbox.seed_orders import totals_order
from platforms.sandbox.scenario import LineAmounts, Scenario, ScenarioLine

Payload = dict[str, object]


def _row(
    state: StoreState, oid: int, spec: ScenarioLine, a: LineAmounts, product: Payload
) -> Payload:
    variant = product["variants"][0]  # type: ignore[index]
    applied = [
        {
            "id": "coupon",
            "amount": v2_money(a.discount),
            "name": "coupon",
            "code": None,
            "target": "order",
        }
    ]
    return {
        "id": state.new_id("order_product"),
        "order_id": oid,
        "product_id": product["id"],
        "variant_id": variant["id"],
        "name": spec.title,
        "sku": spec.sku,
        "type": "physical",
        "base_price": v2_money(a.net_unit),
        "price_ex_tax": v2_money(a.net_unit),
        "price_inc_tax": v2_money(a.gross_unit),
        "price_tax": v2_money(a.gross_unit - a.net_unit),
        "base_total": v2_money(a.net_subtotal),
        "total_ex_tax": v2_money(a.net_subtotal),
        "total_inc_tax": v2_money(a.net_total + a.tax),
        "total_tax": v2_money(a.tax),
        "quantity": spec.quantity,
        "quantity_shipped": 0,
        "quantity_refunded": 0,
        "is_refunded": False,
        "refund_amount": v2_money(Decimal(0)),
        "applied_discounts": applied,
        "product_options": [],
        "parent_order_product_id": None,
        "_net": a.net_total,
        "_tax": a.tax,
    }


def seed_scenario(state: StoreState, scenario: Scenario) -> str:
    """Add the scenario as the store's newest order id; returns it."""
    oid = max(state.orders) + 1
    products = [state.products[p] for p in sorted(state.products)]
    rows = [
        _row(state, oid, spec, a, products[n % len(products)])
        for n, (spec, a) in enumerate(zip(scenario.lines, scenario.amounts(), strict=True))
    ]
    customer = state.customers[min(state.customers)]
    billing = {
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "company": "",
        "street_1": "1 Conformance Way",
        "street_2": "",
        "city": "Berlin",
        "state": "Berlin",
        "zip": "10115",
        "country": "Germany",
        "country_iso2": "DE",
        "phone": "",
        "email": customer["email"],
    }
    order = totals_order(state, oid, rows, scenario.shipping_net, billing)
    # the rate is the one of the scenario, not the seed's
    ship_tax = scenario.shipping_tax
    total_tax = scenario.total_tax()
    order.update(
        {
            "customer_id": customer["id"],
            "status_id": 11,
            "payment_status": "captured",
            "date_created": rfc2822(scenario.created_at),
            "date_modified": rfc2822(scenario.created_at),
            "currency_code": scenario.currency,
            "default_currency_code": scenario.shop_currency,
            "store_default_currency_code": scenario.shop_currency,
            "currency_exchange_rate": f"{1 / scenario.exchange_rate:.10f}",
            "is_tax_inclusive_pricing": scenario.prices_include_tax,
            "shipping_cost_tax": v2_money(ship_tax),
            "shipping_cost_inc_tax": v2_money(scenario.shipping_net + ship_tax),
            "total_tax": v2_money(total_tax),
            "total_inc_tax": v2_money(scenario.total()),
            "total_ex_tax": v2_money(scenario.total() - total_tax),
        }
    )
    state.consignments[oid]["cost_tax"] = v2_money(ship_tax)
    state.tax_rates[oid] = scenario.tax_rate
    state.consignments[oid]["shipping_method"] = scenario.shipping_title
    state.orders[oid] = order
    state.modified[oid] = scenario.created_at
    state.order_products[oid] = rows
    refund = scenario.refund()
    if refund is not None and scenario.refund_line is not None:
        _refund(state, oid, rows[scenario.refund_line], scenario, refund)
    return str(oid)


def _refund(
    state: StoreState, oid: int, row: Payload, sc: Scenario, amounts: tuple[Decimal, Decimal]
) -> None:
    net, tax = amounts
    rid = state.new_id("refund")
    state.refunds[rid] = {
        "id": rid,
        "order_id": oid,
        "user_id": 0,
        "created": iso(sc.created_at),
        "reason": "Conformance refund",
        "total_amount": float(net + tax),
        "total_tax": float(tax),
        "uses_merchant_override_values": False,
        "payments": [
            {
                "id": rid,
                "provider_id": "storecredit",
                "amount": float(net + tax),
                "offline": True,
                "is_declined": False,
                "declined_message": "",
            }
        ],
        "items": [
            {
                "item_type": "PRODUCT",
                "item_id": row["id"],
                "quantity": sc.refund_quantity,
                "requested_amount": float(net),
            }
        ],
    }
    row["quantity_refunded"] = sc.refund_quantity
    state.orders[oid]["refunded_amount"] = v2_money(net + tax)
    state.orders[oid]["payment_status"] = "partially refunded"
