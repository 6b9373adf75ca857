"""Customer type and customer queries (customer data is personal data: never logged)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from platforms import canonical as c
from platforms.adapter import CustomerQuery, Page, PlatformClient
from platforms.ids import Kind
from resolvers.common import Address, Money, StoreObject, entity_fields, scoped_id
from resolvers.connections import PageInfo, paginate
from resolvers.limits import utc_instant
from resolvers.loaders import StoreKey


@strawberry.federation.type(keys=["id"], description="A customer account of one store.")
class Customer(StoreObject):
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str | None = strawberry.field(description="Family name.")
    email: str | None = strawberry.field(description="Email address.")
    phone: str | None = strawberry.field(description="Phone number.")
    default_address: Address | None = strawberry.field(description="The default address.")
    addresses: list[Address] = strawberry.field(description="Every address on the account.")
    accepts_marketing: bool | None = strawberry.field(
        description="Whether the customer agreed to email marketing; null where the platform "
        "does not say (WooCommerce core, Magento without the newsletter flag)."
    )
    orders_count: int | None = strawberry.field(
        description="Orders placed, where the platform reports it (Shopify)."
    )
    total_spent: Money | None = strawberry.field(
        description="Lifetime spend, where the platform reports it (Shopify)."
    )
    created_at: datetime | None = strawberry.field(description="When the account was created.")
    updated_at: datetime | None = strawberry.field(description="When the account last changed.")
    tags: list[str] = strawberry.field(
        description="Tags (Shopify), role (WooCommerce) or `group:<id>` (Magento)."
    )

    @classmethod
    def of(cls, customer: c.Customer, *, keep_raw: bool = True) -> Customer:
        """From the canonical customer; `keep_raw=False` (the privacy switch) empties `raw`."""
        fields = entity_fields(customer)
        if not keep_raw:
            fields["raw"] = {}
        return cls(
            **fields,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            default_address=Address.maybe(customer.default_address),
            addresses=[a for a in map(Address.maybe, customer.addresses) if a is not None],
            accepts_marketing=customer.accepts_marketing,
            orders_count=customer.orders_count,
            total_spent=Money.maybe(customer.total_spent),
            created_at=customer.created_at,
            updated_at=customer.updated_at,
            tags=list(customer.tags),
        )

    @classmethod
    def visible(cls, info: strawberry.Info, customer: c.Customer) -> Customer:
        """The customer as this deployment's privacy settings allow it to be shown."""
        return cls.of(customer, keep_raw=info.context.limits.customer_raw)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        """Federation entity lookup, batched through CustomerByIdLoader."""
        return await customer_by_id(info, id)


async def load_customer(info: strawberry.Info, store_id: str, external_id: str) -> Customer | None:
    """One customer of a store through the per-request loader (batched per store)."""
    found = await info.context.loaders.customer.load(StoreKey(store_id, external_id))
    return None if found is None else Customer.visible(info, found)


async def customer_by_id(info: strawberry.Info, id: strawberry.ID) -> Customer | None:
    """One customer by global id."""
    gid = scoped_id(info, id, Kind.CUSTOMER)
    return await load_customer(info, gid.store_id, gid.external_id)


@strawberry.input(description="Filters for `customers`.")
class CustomerFilter:
    updated_after: datetime | None = strawberry.field(
        default=None, description="Only customers updated after this instant."
    )
    email: str | None = strawberry.field(
        default=None, description="Only the customer with exactly this email address."
    )


@strawberry.type(description="A customer in a connection.")
class CustomerEdge:
    node: Customer = strawberry.field(description="The customer.")
    cursor: str = strawberry.field(
        description="Pass as `after` to continue right after this customer."
    )


@strawberry.type(description="A page of customers across stores.")
class CustomerConnection:
    edges: list[CustomerEdge] = strawberry.field(description="Customers on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description="Customers of the given stores (all visible stores when omitted), merged "
        "newest `updatedAt` first (WooCommerce cannot sort by modification: its customers come "
        "newest registration first). `first` defaults to 50, capped at the max page size. A "
        "store that fails is reported as an error with its storeId."
    )
    async def customers(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        filter: CustomerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CustomerConnection:
        f = filter or CustomerFilter()
        updated_after = utc_instant(f.updated_after)
        query = CustomerQuery(updated_after=updated_after, email=f.email)

        async def fetch(client: PlatformClient, cursor: str | None, limit: int) -> Page[c.Customer]:
            return await client.list_customers(query, cursor=cursor, limit=limit)

        page = await paginate(info, store_ids, first, after, fetch, query)
        return CustomerConnection(
            edges=[
                CustomerEdge(node=Customer.visible(info, cust), cursor=cur)
                for cust, cur in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="One customer by global id; null when it does not exist.")
    async def customer(self, info: strawberry.Info, id: strawberry.ID) -> Customer | None:
        return await customer_by_id(info, id)
