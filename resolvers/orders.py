"""Order types and order queries."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from platforms import canonical as c
from platforms.adapter import OrderQuery, OrderSelection, Page, PlatformClient
from platforms.ids import Kind
from resolvers.common import (
    Address,
    FinancialStatusEnum,
    FulfillmentStatusEnum,
    Money,
    OrderStatusEnum,
    StoreObject,
    entity_fields,
    load_by_id,
    may_select,
)
from resolvers.connections import PageInfo, paginate
from resolvers.limits import utc_instant
from resolvers.loaders import StoreKey, VariantLoadKey
from resolvers.mirror import MirrorReads
from resolvers.privacy import redact_personal

if TYPE_CHECKING:
    from resolvers.customers import Customer
    from resolvers.fulfillments import Fulfillment, Refund
    from resolvers.products import Product, Variant

ProductRef = Annotated["Product", strawberry.lazy("resolvers.products")]
CustomerRef = Annotated["Customer", strawberry.lazy("resolvers.customers")]
FulfillmentRef = Annotated["Fulfillment", strawberry.lazy("resolvers.fulfillments")]
RefundRef = Annotated["Refund", strawberry.lazy("resolvers.fulfillments")]
VariantRef = Annotated["Variant", strawberry.lazy("resolvers.products")]


@strawberry.type(description="A tax applied to an order.")
class TaxLine:
    title: str = strawberry.field(description="Tax name, e.g. 'State Tax' or 'VAT'.")
    rate: float | None = strawberry.field(
        description="Rate as a fraction on every platform (0.19 = 19%, never 19); null if "
        "the platform does not say."
    )
    amount: Money = strawberry.field(description="Tax this rate raised on lines and shipping.")


@strawberry.type(description="A discount applied to an order.")
class DiscountLine:
    code: str | None = strawberry.field(description="Discount code, if one was entered.")
    kind: str | None = strawberry.field(description="Platform's discount type, e.g. 'percentage'.")
    amount: Money = strawberry.field(
        description="Amount this discount took off the order, positive, as the platform reports it."
    )


@strawberry.type(description="A shipping method charged on an order.")
class ShippingLine:
    title: str = strawberry.field(description="Shipping method name.")
    code: str | None = strawberry.field(description="Platform's shipping method code.")
    amount: Money = strawberry.field(
        description="This method's charge after shipping discounts, excluding tax."
    )


@strawberry.type(description="One purchased line of an order.")
class LineItem:
    external_id: str = strawberry.field(description="The platform's id for this line.")
    title: str = strawberry.field(description="Product title as sold.")
    quantity: int = strawberry.field(description="Units purchased.")
    unit_price: Money = strawberry.field(
        description="Price of one unit before any discount, excluding tax (also in "
        "tax-inclusive stores)."
    )
    total_discount: Money | None = strawberry.field(
        description="Every discount on this line: line-level discounts plus its share of "
        "order-level discounts, excluding tax; zero when none (null only where the platform "
        "cannot tell)."
    )
    total_price: Money = strawberry.field(
        description="The line after every discount, excluding tax: unitPrice x quantity - "
        "totalDiscount (the platform's line total; 4-decimal unit prices may differ from it "
        "by rounding)."
    )
    sku: str | None = strawberry.field(description="SKU as sold.")
    store_id: strawberry.Private[str]
    variant_external_id: strawberry.Private[str | None]
    product_external_id: strawberry.Private[str | None]

    @strawberry.field(description="The variant sold; null if it no longer exists.")
    async def variant(self, info: strawberry.Info) -> VariantRef | None:
        from resolvers.products import Variant

        if not self.variant_external_id:
            return None
        key = VariantLoadKey(
            self.store_id,
            self.variant_external_id,
            self.product_external_id,
            complete_parent=may_select(info, "product", "variants"),
        )
        found = await info.context.loaders.variant.load(key)
        return None if found is None else Variant.of(found)

    @strawberry.field(description="The product sold; null if it no longer exists.")
    async def product(self, info: strawberry.Info) -> ProductRef | None:
        from resolvers.products import Product

        if not self.product_external_id:
            return None
        found = await info.context.loaders.product.load(
            StoreKey(self.store_id, self.product_external_id)
        )
        return None if found is None else Product.of(found)

    @classmethod
    def of(cls, store_id: str, line: c.LineItem) -> LineItem:
        """From the canonical line item."""
        return cls(
            external_id=line.external_id,
            title=line.title,
            quantity=line.quantity,
            unit_price=Money.of(line.unit_price),
            total_discount=Money.maybe(line.total_discount),
            total_price=Money.of(line.total),
            sku=line.sku,
            store_id=store_id,
            variant_external_id=line.variant_external_id,
            product_external_id=line.product_external_id,
        )


@strawberry.federation.type(keys=["id"], description="A customer order.")
class Order(StoreObject):
    number: str = strawberry.field(description="Order number as shown to the customer.")
    created_at: datetime = strawberry.field(description="When the order was placed (UTC).")
    updated_at: datetime = strawberry.field(description="When the order last changed (UTC).")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled (UTC).")
    status: OrderStatusEnum = strawberry.field(description="Lifecycle state.")  # type: ignore[valid-type]
    financial_status: FinancialStatusEnum = strawberry.field(description="Payment state.")  # type: ignore[valid-type]
    fulfillment_status: FulfillmentStatusEnum = strawberry.field(description="Shipping state.")  # type: ignore[valid-type]
    currency_code: str = strawberry.field(
        description="Currency of every amount of the order: the one the customer paid in "
        "(Shopify's presentment currency, Magento's order currency; ISO 4217)."
    )
    email: str | None = strawberry.field(description="Customer email on the order.")
    subtotal_price: Money = strawberry.field(
        description="Sum of the lines' totalPrice (after every discount allocated to lines) "
        "plus order-level fees; before shipping, excluding tax. The same on every platform."
    )
    total_tax: Money = strawberry.field(
        description="All tax on lines and shipping, whether prices included it or not."
    )
    total_shipping: Money = strawberry.field(
        description="Shipping charged, after shipping discounts, excluding tax."
    )
    total_discounts: Money = strawberry.field(
        description="Every discount: the lines' totalDiscount plus shipping discounts."
    )
    total_price: Money = strawberry.field(
        description="What the customer was charged: subtotalPrice + totalShipping + "
        "totalTax, within the platform's rounding."
    )
    taxes_included: bool | None = strawberry.field(
        description="Whether the store's prices include tax; null where the platform does "
        "not say. The amounts above exclude tax either way."
    )
    line_items: list[LineItem] = strawberry.field(description="Purchased lines.")
    # as mapped; a platform that lists taxes apart reads them when selected (`tax_lines`)
    mapped_tax_lines: strawberry.Private[tuple[c.TaxLine, ...]]
    discounts: list[DiscountLine] = strawberry.field(description="Discounts applied.")
    shipping_lines: list[ShippingLine] = strawberry.field(description="Shipping methods charged.")
    billing_address: Address | None = strawberry.field(description="Billing address.")
    shipping_address: Address | None = strawberry.field(description="Shipping address.")
    customer_external_id: str | None = strawberry.field(description="Platform id of the customer.")
    # the canonical order, so fulfillments/refunds can come from its payload at no call.
    source: strawberry.Private[c.Order | None] = None

    @strawberry.field(description="Taxes applied.")
    async def tax_lines(self, info: strawberry.Info) -> list[TaxLine]:
        from resolvers.fulfillments import tax_lines_of

        found = (
            self.mapped_tax_lines if self.source is None else await tax_lines_of(info, self.source)
        )
        return [
            TaxLine(
                title=t.title,
                rate=None if t.rate is None else float(t.rate),
                amount=Money.of(t.amount),
            )
            for t in found
        ]

    @strawberry.field(description="The customer who placed it; null for guest checkouts.")
    async def customer(self, info: strawberry.Info) -> CustomerRef | None:
        from resolvers.customers import load_customer

        if not self.customer_external_id:
            return None
        return await load_customer(info, self.store_id, self.customer_external_id)

    @strawberry.field(description="Shipments of this order, with tracking.")
    async def fulfillments(self, info: strawberry.Info) -> list[FulfillmentRef]:
        from resolvers.fulfillments import fulfillments_of

        return [] if self.source is None else await fulfillments_of(info, self.source)

    @strawberry.field(
        description="Refunds of this order (Magento credit memos); every refund line names a "
        "line of this order (docs/money.md)."
    )
    async def refunds(self, info: strawberry.Info) -> list[RefundRef]:
        from resolvers.fulfillments import refunds_of

        return [] if self.source is None else await refunds_of(info, self.source)

    @classmethod
    def of(cls, o: c.Order, *, keep_personal_raw: bool = True) -> Order:
        """From the canonical order; `keep_personal_raw=False` strips people from `raw`."""
        fields = entity_fields(o)
        if not keep_personal_raw:  # [privacy] customer_raw = false covers the order's copy too
            fields["raw"] = redact_personal(fields["raw"])
        return cls(
            **fields,
            number=o.number,
            created_at=o.created_at,
            updated_at=o.updated_at,
            cancelled_at=o.cancelled_at,
            status=o.status,
            financial_status=o.financial_status,
            fulfillment_status=o.fulfillment_status,
            currency_code=o.currency_code,
            email=o.email,
            subtotal_price=Money.of(o.subtotal_price),
            total_tax=Money.of(o.total_tax),
            total_shipping=Money.of(o.total_shipping),
            total_discounts=Money.of(o.total_discounts),
            total_price=Money.of(o.total_price),
            taxes_included=o.taxes_included,
            line_items=[LineItem.of(o.store_id, li) for li in o.line_items],
            mapped_tax_lines=o.tax_lines,
            discounts=[
                DiscountLine(code=d.code, kind=d.kind, amount=Money.of(d.amount))
                for d in o.discounts
            ],
            shipping_lines=[
                ShippingLine(title=s.title, code=s.code, amount=Money.of(s.amount))
                for s in o.shipping_lines
            ],
            billing_address=Address.maybe(o.billing_address),
            shipping_address=Address.maybe(o.shipping_address),
            customer_external_id=o.customer_external_id,
            source=o,
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Order | None:
        """Federation entity lookup, batched through OrderByIdLoader."""
        return await order_by_id(info, id)


def order_selection(info: strawberry.Info) -> OrderSelection:
    """What this `orders` field reads of each order (`may_select`: never under-states), so
    a client that can push it down fetches only that, and what the lines reach with it."""

    def sel(*path: str) -> bool:
        return may_select(info, "edges", "node", *path)

    variant = sel("lineItems", "variant")
    return OrderSelection(
        line_items=sel("lineItems"),
        line_discounts=sel("lineItems", "totalDiscount") or sel("lineItems", "total"),
        line_variants=variant,
        line_products=sel("lineItems", "product"),
        customer=sel("customer") or sel("customerExternalId"),
        addresses=sel("billingAddress") or sel("shippingAddress"),
        taxes=sel("taxLines"),
        shipping=sel("shippingLines"),
        custom_fields=sel("customFields"),
        fulfillments=sel("fulfillments"),
        refunds=sel("refunds"),
        variants=variant,
        products=sel("lineItems", "variant", "product"),
        whole_products=sel("lineItems", "variant", "product", "variants"),
        inventory=sel("lineItems", "variant", "inventoryLevels"),
        locations=sel("lineItems", "variant", "inventoryLevels", "location"),
    )


async def order_by_id(info: strawberry.Info, id: strawberry.ID) -> Order | None:
    """One order by global id via the per-request loader."""
    loader = info.context.loaders.order
    keep = info.context.limits.customer_raw
    return await load_by_id(
        info, id, Kind.ORDER, loader, StoreKey, lambda o: Order.of(o, keep_personal_raw=keep)
    )


@strawberry.input(description="Filters for `orders`.")
class OrderFilter:
    updated_after: datetime | None = strawberry.field(
        default=None, description="Only orders updated after this instant."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Only orders created after this instant."
    )
    status: OrderStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only orders in this state."
    )


@strawberry.type(description="An order in a connection.")
class OrderEdge:
    node: Order = strawberry.field(description="The order.")
    cursor: str = strawberry.field(
        description="Pass as `after` to continue right after this order."
    )


@strawberry.type(description="A page of orders across stores, newest `updatedAt` first.")
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(description="Orders on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    synced_at: datetime | None = strawberry.field(
        default=None,
        description="When the oldest local mirror this page was read from last synced with "
        "its store (UTC): stores whose platform cannot afford listing live (Amazon) are listed "
        "from a mirror the poller keeps; null when every store was read live.",
    )
    data_age_seconds: float | None = strawberry.field(
        default=None,
        description="Now minus `syncedAt`, in seconds: how old the oldest mirrored data on "
        "this page may be; null when every store was read live.",
    )


@strawberry.type
class OrderQueries:
    @strawberry.field(
        description="Orders of the given stores (all visible stores when omitted), merged newest "
        "`updatedAt` first. `first` defaults to 50 and is capped at the gateway's max page size "
        "(100 by default). A store that fails is reported as an error with its storeId while the "
        "other stores' orders are still returned."
    )
    async def orders(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        filter: OrderFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OrderConnection:
        f = filter or OrderFilter()
        query = OrderQuery(
            updated_after=utc_instant(f.updated_after),
            created_after=utc_instant(f.created_after),
            status=f.status,
        )

        query = dataclasses.replace(query, select=order_selection(info))
        mirrors = MirrorReads(info)

        async def fetch(client: PlatformClient, cursor: str | None, limit: int) -> Page[c.Order]:
            store_id = client.connection.store_id
            mirrored = await mirrors.page(store_id, query, cursor, limit)
            if mirrored is not None:
                return mirrored
            page = await client.list_orders(query, cursor=cursor, limit=limit)
            if page.related is not None:
                handle = info.context.store(client.connection.store_id)
                info.context.loaders.prime(handle, page.related)
            return page

        page = await paginate(info, store_ids, first, after, fetch, query)
        keep = info.context.limits.customer_raw
        return OrderConnection(
            edges=[
                OrderEdge(node=Order.of(o, keep_personal_raw=keep), cursor=cur)
                for o, cur in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            synced_at=mirrors.synced_at,
            data_age_seconds=mirrors.age_seconds,
        )

    @strawberry.field(description="One order by global id; null when it does not exist.")
    async def order(self, info: strawberry.Info, id: strawberry.ID) -> Order | None:
        return await order_by_id(info, id)
