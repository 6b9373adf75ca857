"""GraphQL value types shared by every domain: Money, Address, CustomField, Node, enums."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from aiodataloader import DataLoader
from graphql import FieldNode
from strawberry.scalars import JSON

from platforms import canonical as c
from platforms.ids import GlobalId, Kind, decode_id
from platforms.money import plain_amount, plain_text
from platforms.registry import get_spec

if TYPE_CHECKING:
    from resolvers.stores import Store

T = TypeVar("T")

PlatformEnum = strawberry.enum(c.Platform, name="Platform", description="A commerce platform.")
OrderStatusEnum = strawberry.enum(
    c.OrderStatus, name="OrderStatus", description="Overall lifecycle state of an order."
)
FinancialStatusEnum = strawberry.enum(
    c.FinancialStatus, name="FinancialStatus", description="Payment state of an order."
)
FulfillmentStatusEnum = strawberry.enum(
    c.FulfillmentStatus, name="FulfillmentStatus", description="Shipping state of an order."
)
ProductStatusEnum = strawberry.enum(
    c.ProductStatus, name="ProductStatus", description="Publication state of a product."
)


class PlainDecimal(Decimal):
    """A Decimal whose str() is never in exponent form: the Decimal scalar serialises with
    str(), and str(Decimal("1E-7")) is "1E-7"."""

    __slots__ = ()

    def __str__(self) -> str:
        return plain_text(self)


@strawberry.type(
    description="An exact amount of money in one currency. Every money field's meaning "
    "(tax basis, discounts, sign) is defined in docs/money.md."
)
class Money:
    amount: Decimal = strawberry.field(
        description="The amount as a plain decimal string with the currency's minor units "
        '("20.00", "1500" in JPY; more digits only when the value has them, never "2E+1").'
    )
    currency_code: str = strawberry.field(description="ISO 4217 currency code.")

    @classmethod
    def of(cls, money: c.Money) -> Money:
        """From the canonical value (re-rendered: a Money built before this rule stays safe)."""
        amount = PlainDecimal(plain_amount(money.amount, money.currency_code))
        return cls(amount=amount, currency_code=money.currency_code)

    @classmethod
    def maybe(cls, money: c.Money | None) -> Money | None:
        """From an optional canonical value."""
        return None if money is None else cls.of(money)


@strawberry.type(description="A postal address as the platform holds it.")
class Address:
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str | None = strawberry.field(description="Family name.")
    company: str | None = strawberry.field(description="Company name.")
    address1: str | None = strawberry.field(description="First street line.")
    address2: str | None = strawberry.field(description="Second street line.")
    city: str | None = strawberry.field(description="City.")
    province: str | None = strawberry.field(description="Province, state or region name.")
    province_code: str | None = strawberry.field(description="Province, state or region code.")
    postal_code: str | None = strawberry.field(description="Postal or ZIP code.")
    country: str | None = strawberry.field(description="Country name.")
    country_code: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    phone: str | None = strawberry.field(description="Phone number.")

    @classmethod
    def maybe(cls, address: c.Address | None) -> Address | None:
        """From an optional canonical address."""
        return None if address is None else cls(**address.model_dump())


@strawberry.type(
    description="A platform custom field: Shopify metafield or note attribute, "
    "WooCommerce meta_data entry, Magento custom_attribute."
)
class CustomField:
    namespace: str | None = strawberry.field(description="Namespace, where the platform has one.")
    key: str = strawberry.field(description="Field key.")
    value: JSON | None = strawberry.field(description="Field value, as the platform holds it.")

    @classmethod
    def all(cls, fields: tuple[c.CustomField, ...]) -> list[CustomField]:
        """From canonical custom fields."""
        return [cls(namespace=f.namespace, key=f.key, value=f.value) for f in fields]


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global opaque id; encodes the store, the kind and the platform's own id."
    )


@strawberry.interface(description="Fields every object read from a store carries.")
class StoreObject(Node):
    external_id: str = strawberry.field(description="The platform's own id for this object.")
    store_id: str = strawberry.field(description="Id of the configured store it came from.")
    platform: PlatformEnum = strawberry.field(description="The platform it came from.")  # type: ignore[valid-type]
    custom_fields: list[CustomField] = strawberry.field(
        description="The platform's custom fields on this object."
    )
    raw: JSON = strawberry.field(description="The platform payload this object was mapped from.")
    mapping_version: str = strawberry.field(
        description="Version of the platform mapping that produced this object "
        "(PlatformSpec.mapping_version): an event keeps the version it was recorded with, "
        "so `cartgraph events remap` can find and correct events of older mappings."
    )

    @strawberry.field(description="The store this object belongs to.")
    def store(self, info: strawberry.Info) -> Annotated[Store, strawberry.lazy("resolvers.stores")]:
        from resolvers.stores import Store

        return Store.of(info.context.store(self.store_id).store)


def entity_fields(entity: c.Entity) -> dict[str, Any]:
    """The StoreObject fields of a canonical entity, for a type's constructor."""
    return {
        "id": strawberry.ID(entity.global_id),
        "external_id": entity.external_id,
        "store_id": entity.store_id,
        "platform": entity.platform,
        "custom_fields": CustomField.all(entity.custom_fields),
        "raw": cast(JSON, entity.raw),
        # a live read was mapped just now, by the platform's current mapping
        "mapping_version": entity.mapping_version or get_spec(entity.platform).mapping_version,
    }


def scoped_id(info: strawberry.Info, id: strawberry.ID, kind: Kind) -> GlobalId:
    """A global id of `kind`, its store checked to be in the caller's scope."""
    gid = decode_id(str(id), kind)
    info.context.store(gid.store_id)
    return gid


async def load_by_id(
    info: strawberry.Info,
    id: strawberry.ID,
    kind: Kind,
    loader: DataLoader[Any, Any],
    key: Callable[[str, str], Hashable],
    convert: Callable[[Any], T],
) -> T | None:
    """One entity by global id through a per-request loader; None when it does not exist."""
    gid = scoped_id(info, id, kind)
    found = await loader.load(key(gid.store_id, gid.external_id))
    return None if found is None else convert(found)


def may_select(info: strawberry.Info, *path: str, nodes: Sequence[FieldNode] | None = None) -> bool:
    """False only when the selection under the current field provably does not select the
    field `path` (schema names, e.g. "product", "variants"); aliases and directives are
    ignored (a field under @skip counts as selected). A fragment spread or inline fragment
    on the way means True: reading it is not worth the risk. `nodes` is for the recursion.

    Reads the raw field nodes: strawberry's `info.selected_fields` builds the whole
    selection tree for every call.
    """
    head, *rest = path
    for node in info._raw_info.field_nodes if nodes is None else nodes:
        for selection in node.selection_set.selections if node.selection_set else ():
            if not isinstance(selection, FieldNode):
                return True
            if selection.name.value == head and (
                not rest or may_select(info, *rest, nodes=[selection])
            ):
                return True
    return False
