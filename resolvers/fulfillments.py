"""Fulfillment (shipment) and Refund types, and how an order finds its own."""

from __future__ import annotations

from datetime import datetime

import strawberry

from platforms import canonical as c
from platforms.adapter import TaxLineReads
from platforms.mapping.lines import refund_on_order_lines
from resolvers.common import Money, StoreObject, entity_fields
from resolvers.loaders import StoreKey

ShipmentStatusEnum = strawberry.enum(
    c.ShipmentStatus, name="ShipmentStatus", description="State of one fulfillment (shipment)."
)


@strawberry.type(description="A quantity of one order line that a fulfillment shipped.")
class FulfillmentLine:
    line_item_external_id: str = strawberry.field(description="Platform id of the order line.")
    quantity: int = strawberry.field(description="Units of that line shipped.")


@strawberry.type(
    description="A shipment of (part of) an order: Shopify fulfillment, Magento shipment, "
    "WooCommerce completed status or Shipment Tracking entry."
)
class Fulfillment(StoreObject):
    order_external_id: str = strawberry.field(description="Platform id of the order shipped.")
    status: ShipmentStatusEnum = strawberry.field(description="State of the shipment.")  # type: ignore[valid-type]
    created_at: datetime | None = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime | None = strawberry.field(description="When it last changed (UTC).")
    tracking_company: str | None = strawberry.field(description="Carrier name, if known.")
    tracking_numbers: list[str] = strawberry.field(description="Carrier tracking numbers.")
    tracking_urls: list[str] = strawberry.field(description="Tracking page URLs, if given.")
    lines: list[FulfillmentLine] = strawberry.field(
        description="Order lines and quantities shipped (empty where the platform cannot say)."
    )
    location_external_id: str | None = strawberry.field(
        description="Platform id of the location (Magento source) shipped from, if known."
    )

    @classmethod
    def of(cls, f: c.Fulfillment) -> Fulfillment:
        """From the canonical fulfillment."""
        return cls(
            **entity_fields(f),
            order_external_id=f.order_external_id,
            status=f.status,
            created_at=f.created_at,
            updated_at=f.updated_at,
            tracking_company=f.tracking_company,
            tracking_numbers=list(f.tracking_numbers),
            tracking_urls=list(f.tracking_urls),
            lines=[
                FulfillmentLine(line_item_external_id=x.line_item_external_id, quantity=x.quantity)
                for x in f.lines
            ],
            location_external_id=f.location_external_id,
        )


@strawberry.type(
    description="A quantity of one order line that a refund paid back. Always a line of the "
    "order: a Magento bundle's or configurable's child row counts for its line."
)
class RefundLine:
    line_item_external_id: str = strawberry.field(description="Platform id of the order line.")
    quantity: int = strawberry.field(description="Units of that line refunded.")
    restock_type: str | None = strawberry.field(
        description="Shopify's restock type (no_restock, cancel, return, legacy_restock)."
    )
    restocked: bool | None = strawberry.field(
        description="Whether the units went back to stock; null where the platform does not say."
    )
    subtotal: Money | None = strawberry.field(
        description="Those units' share of the line's totalPrice (after discounts, excluding "
        "tax), positive."
    )


@strawberry.type(description="A money movement of a refund at the payment gateway.")
class RefundTransaction:
    external_id: str | None = strawberry.field(description="Platform id of the transaction.")
    kind: str = strawberry.field(description="Transaction kind, e.g. 'refund'.")
    amount: Money = strawberry.field(description="Amount moved.")
    gateway: str | None = strawberry.field(description="Payment gateway, if known.")
    status: str | None = strawberry.field(description="Gateway status, e.g. 'success'.")


@strawberry.type(description="A refund against an order (Magento: a credit memo).")
class Refund(StoreObject):
    order_external_id: str = strawberry.field(description="Platform id of the refunded order.")
    created_at: datetime | None = strawberry.field(description="When it was made (UTC).")
    note: str | None = strawberry.field(description="Reason or note given.")
    amount: Money = strawberry.field(
        description="All money given back, tax and shipping included, positive."
    )
    lines: list[RefundLine] = strawberry.field(description="Order lines refunded.")
    shipping: Money | None = strawberry.field(
        description="The part of amount given back for shipping; null where the refund did not say."
    )
    transactions: list[RefundTransaction] = strawberry.field(
        description="Gateway transactions that moved the money (none for manual refunds)."
    )

    @classmethod
    def of(cls, r: c.Refund) -> Refund:
        """From the canonical refund."""
        return cls(
            **entity_fields(r),
            order_external_id=r.order_external_id,
            created_at=r.created_at,
            note=r.note,
            amount=Money.of(r.amount),
            lines=[
                RefundLine(
                    line_item_external_id=x.line_item_external_id,
                    quantity=x.quantity,
                    restock_type=x.restock_type,
                    restocked=x.restocked,
                    subtotal=Money.maybe(x.subtotal),
                )
                for x in r.lines
            ],
            shipping=Money.maybe(r.shipping),
            transactions=[
                RefundTransaction(
                    external_id=t.external_id,
                    kind=t.kind,
                    amount=Money.of(t.amount),
                    gateway=t.gateway,
                    status=t.status,
                )
                for t in r.transactions
            ],
        )


async def fulfillments_of(info: strawberry.Info, order: c.Order) -> list[Fulfillment]:
    """The order's fulfillments: from its loaded payload when the platform embeds them
    (0 calls), else through FulfillmentsByOrderLoader (one batch per store)."""
    client = info.context.store(order.store_id).client
    found = client.embedded_fulfillments(order)
    if found is None:
        found = await info.context.loaders.fulfillments.load(
            StoreKey(order.store_id, order.external_id)
        )
    return [Fulfillment.of(f) for f in found or []]


async def refunds_of(info: strawberry.Info, order: c.Order) -> list[Refund]:
    """The order's refunds: embedded (0 calls), known to be none (0 calls), or through
    RefundsByOrderLoader (one batch per store where the platform has batches)."""
    client = info.context.store(order.store_id).client
    found = client.embedded_refunds(order)
    if found is None:
        found = await info.context.loaders.refunds.load(StoreKey(order.store_id, order.external_id))
    # child rows (Magento bundle/configurable items) onto their line; strays dropped
    return [Refund.of(refund_on_order_lines(r, order)) for r in found or []]


async def tax_lines_of(info: strawberry.Info, order: c.Order) -> tuple[c.TaxLine, ...]:
    """The order's tax lines: as mapped (0 calls), unless its platform lists them apart
    (`TaxLineReads`, BigCommerce): then through TaxLinesByOrderLoader, one batch per store,
    only for the orders whose `taxLines` a query selects."""
    client = info.context.store(order.store_id).client
    if not isinstance(client, TaxLineReads):
        return order.tax_lines
    found = client.embedded_tax_lines(order)
    if found is None:
        key = StoreKey(order.store_id, order.external_id)
        found = await info.context.loaders.tax_lines.load(key)
    return tuple(found or ())
