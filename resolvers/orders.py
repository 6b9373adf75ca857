"""Order types and order queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from platforms import canonical as c
from platforms.adapter import OrderQuery, Page, PlatformClient
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
    rate: float | None = strawberry.field(description="Rate as a fraction (0.06 = 6%), if known.")
    amount: Money = strawberry.field(description="Tax amount.")


@strawberry.type(description="A discount applied to an order.")
class DiscountLine:
    code: str | None = strawberry.field(description="Discount code, if one was entered.")
    kind: str | None = strawberry.field(description="Platform's discount type, e.g. 'percentage'.")
    amount: Money = strawberry.field(description="Amount taken off.")


@strawberry.type(description="A shipping method charged on an order.")
class ShippingLine:
    title: str = strawberry.field(description="Shipping method name.")
    code: str | None = strawberry.field(description="Platform's shipping method code.")
    amount: Money = strawberry.field(description="Shipping charge.")


@strawberry.type(description="One purchased line of an order.")
class LineItem:
    external_id: str = strawberry.field(description="The platform's id for this line.")
    title: str = strawberry.field(description="Product title as sold.")
    quantity: int = strawberry.field(description="Units purchased.")
    unit_price: Money = strawberry.field(description="Price of one unit before discounts.")
    total_discount: Money | None = strawberry.field(description="Discount on this line, if any.")
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
    currency_code: str = strawberry.field(description="Currency of the order's amounts (ISO 4217).")
    email: str | None = strawberry.field(description="Customer email on the order.")
    subtotal_price: Money = strawberry.field(description="Sum of line prices after line discounts.")
    total_tax: Money = strawberry.field(description="Total tax.")
    total_shipping: Money = strawberry.field(description="Total shipping charged.")
    total_discounts: Money = strawberry.field(description="Total discounts.")
    total_price: Money = strawberry.field(description="Grand total charged.")
    line_items: list[LineItem] = strawberry.field(description="Purchased lines.")
    tax_lines: list[TaxLine] = strawberry.field(description="Taxes applied.")
    discounts: list[DiscountLine] = strawberry.field(description="Discounts applied.")
    shipping_lines: list[ShippingLine] = strawberry.field(description="Shipping methods charged.")
    billing_address: Address | None = strawberry.field(description="Billing address.")
    shipping_address: Address | None = strawberry.field(description="Shipping address.")
    customer_external_id: str | None = strawberry.field(description="Platform id of the customer.")
    # the canonical order, so fulfillments/refunds can come from its payload at no call.
    source: strawberry.Private[c.Order | None] = None

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

    @strawberry.field(description="Refunds of this order (Magento credit memos).")
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
            line_items=[LineItem.of(o.store_id, li) for li in o.line_items],
            tax_lines=[
                TaxLine(
                    title=t.title,
                    rate=None if t.rate is None else float(t.rate),
                    amount=Money.of(t.amount),
                )
                for t in o.tax_lines
            ],
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

        async def fetch(client: PlatformClient, cursor: str | None, limit: int) -> Page[c.Order]:
            return await client.list_orders(query, cursor=cursor, limit=limit)

        page = await paginate(info, store_ids, first, after, fetch, query)
        keep = info.context.limits.customer_raw
        return OrderConnection(
            edges=[
                OrderEdge(node=Order.of(o, keep_personal_raw=keep), cursor=cur)
                for o, cur in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="One order by global id; null when it does not exist.")
    async def order(self, info: strawberry.Info, id: strawberry.ID) -> Order | None:
        return await order_by_id(info, id)
