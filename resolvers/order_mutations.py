"""cancelOrder, createFulfillment and createRefund through the write queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Self, TypeVar

import strawberry

from platforms.errors import InvalidInputError
from platforms.ids import Kind, decode_id, encode_id
from platforms.writes.commands import CancelOrder, CreateFulfillment, CreateRefund, LineQuantity
from platforms.writes.results import fulfillment_of, refund_of
from resolvers.fulfillments import Fulfillment, Refund
from resolvers.write_operations import NotDone, WriteOperation, money_input, run_write

T = TypeVar("T")
R = TypeVar("R")


@strawberry.input(description="An order line and how many of its units.")
class OrderLineQuantityInput:
    line_item_id: str = strawberry.field(description="The line's `externalId` on the order.")
    quantity: int = strawberry.field(description="Units of that line (at least 1).")
    restock: bool = strawberry.field(
        default=False, description="Refunds only: put the units back in stock."
    )


@strawberry.input(description="Cancel an order.")
class CancelOrderInput:
    order_id: strawberry.ID = strawberry.field(description="The order to cancel.")
    reason: str | None = strawberry.field(
        default=None, description="customer, inventory, fraud, declined, staff or other."
    )
    restock: bool = strawberry.field(default=False, description="Put the items back in stock.")


@strawberry.input(description="Ship some or all of an order's lines.")
class CreateFulfillmentInput:
    order_id: strawberry.ID = strawberry.field(description="The order to fulfil.")
    lines: list[OrderLineQuantityInput] = strawberry.field(
        default_factory=list, description="Lines and quantities; empty ships everything left."
    )
    tracking_company: str | None = strawberry.field(default=None, description="Carrier name.")
    tracking_number: str | None = strawberry.field(default=None, description="Tracking number.")
    tracking_url: str | None = strawberry.field(default=None, description="Tracking page URL.")
    notify: bool = strawberry.field(default=False, description="Email the customer.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Where the goods leave from (a Location id: Magento MSI source, Shopify "
        "location); omit for the platform's default.",
    )


@strawberry.input(description="Refund lines, shipping and/or an amount of an order.")
class CreateRefundInput:
    order_id: strawberry.ID = strawberry.field(description="The order to refund.")
    lines: list[OrderLineQuantityInput] = strawberry.field(
        default_factory=list, description="Lines, quantities and whether to restock them."
    )
    shipping_amount: Decimal | None = strawberry.field(
        default=None, description="Shipping to refund."
    )
    amount: Decimal | None = strawberry.field(
        default=None, description="Money to return to the customer."
    )
    reason: str | None = strawberry.field(default=None, description="Why, kept on the refund.")
    notify: bool = strawberry.field(default=False, description="Email the customer.")


@dataclass(frozen=True)
class StoredResult:
    """A succeeded job's stored result, and where it came from for a PayloadError: a stored
    object that no longer validates costs only its own field, never the write's result."""

    data: dict[str, Any]
    where: dict[str, str]

    @classmethod
    def of(cls, result: dict[str, Any], store_id: str, operation: str, external_id: Any) -> Self:
        """`result` of `operation` on `store_id`, which made the object `external_id`."""
        where = {"store_id": store_id, "operation": operation, "external_id": str(external_id)}
        return cls(result, where)


@strawberry.type(description="The order was cancelled.")
class CancelOrderSuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    order_id: strawberry.ID = strawberry.field(description="The cancelled order.")
    cancelled_at: datetime | None = strawberry.field(description="When, as the platform says.")


@strawberry.type(description="A line and quantity a fulfillment or refund covered.")
class WrittenLine:
    line_item_id: str = strawberry.field(description="The order line's external id.")
    quantity: int | None = strawberry.field(description="Units covered.")


@strawberry.type(description="The fulfillment was created.")
class CreateFulfillmentSuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    fulfillment_id: strawberry.ID = strawberry.field(description="The new fulfillment's id.")
    order_id: strawberry.ID = strawberry.field(description="The fulfilled order.")
    tracking_number: str | None = strawberry.field(description="Tracking number recorded.")
    lines: list[WrittenLine] = strawberry.field(description="Lines shipped.")
    stored: strawberry.Private[StoredResult]

    @strawberry.field(
        description="The new fulfillment as the platform recorded it (canonical type)."
    )
    def fulfillment(self) -> Fulfillment | None:
        return _maybe(fulfillment_of(self.stored.data, **self.stored.where), Fulfillment.of)


@strawberry.type(description="The refund was created.")
class CreateRefundSuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    refund_id: strawberry.ID = strawberry.field(description="The new refund's id.")
    order_id: strawberry.ID = strawberry.field(description="The refunded order.")
    amount: Decimal | None = strawberry.field(description="Money returned, as the platform says.")
    lines: list[WrittenLine] = strawberry.field(description="Lines refunded.")
    stored: strawberry.Private[StoredResult]

    @strawberry.field(description="The new refund as the platform recorded it (canonical type).")
    def refund(self) -> Refund | None:
        return _maybe(refund_of(self.stored.data, **self.stored.where), Refund.of)


CancelOrderResult = Annotated[
    CancelOrderSuccess | NotDone,
    strawberry.union("CancelOrderResult", description="The outcome of cancelOrder."),
]
CreateFulfillmentResult = Annotated[
    CreateFulfillmentSuccess | NotDone,
    strawberry.union("CreateFulfillmentResult", description="The outcome of createFulfillment."),
]
CreateRefundResult = Annotated[
    CreateRefundSuccess | NotDone,
    strawberry.union("CreateRefundResult", description="The outcome of createRefund."),
]


def _lines(lines: list[OrderLineQuantityInput]) -> tuple[LineQuantity, ...]:
    for line in lines:
        if line.quantity < 1:
            raise InvalidInputError(f"Quantity of line {line.line_item_id[:40]!r} must be >= 1")
    return tuple(LineQuantity(li.line_item_id, li.quantity, li.restock) for li in lines)


def _money(value: Decimal | None, name: str) -> str | None:
    return None if value is None else money_input(value, name)


def _written(result: dict[str, Any]) -> list[WrittenLine]:
    # tolerant: a stored result is read back long after it was written (maybe by a version
    # with another shape); a line without a usable quantity says so with null
    lines = result.get("lines")
    return [
        WrittenLine(line_item_id=str(li.get("line_item_id")), quantity=_int_or_none(li))
        for li in (lines if isinstance(lines, list) else [])
        if isinstance(li, dict)
    ]


def _int_or_none(line: dict[str, Any]) -> int | None:
    quantity = line.get("quantity")
    return quantity if isinstance(quantity, int) and abs(quantity) < 2**31 else None


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _location(location_id: strawberry.ID | None, store_id: str) -> str | None:
    if location_id is None:
        return None
    gid = decode_id(str(location_id), Kind.LOCATION)
    if gid.store_id != store_id:
        raise InvalidInputError("`locationId` belongs to another store than the order")
    return gid.external_id


def _maybe(value: T | None, convert: Callable[[T], R]) -> R | None:
    return None if value is None else convert(value)


def _gid(store_id: str, kind: Kind, external_id: Any) -> strawberry.ID:
    return strawberry.ID(encode_id(store_id, kind, str(external_id)))


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Cancel an order, exactly once per idempotency key.")
    async def cancel_order(
        self,
        info: strawberry.Info,
        input: CancelOrderInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> CancelOrderResult:
        gid = decode_id(str(input.order_id), Kind.ORDER)
        command = CancelOrder(gid.external_id, input.reason, input.restock)

        def succeed(operation: WriteOperation, result: dict[str, Any]) -> CancelOrderSuccess:
            return CancelOrderSuccess(
                operation=operation,
                order_id=input.order_id,
                cancelled_at=_when(result.get("cancelled_at")),
            )

        return await run_write(info, gid.store_id, command, idempotency_key, wait, succeed)

    @strawberry.mutation(description="Ship lines of an order, exactly once per idempotency key.")
    async def create_fulfillment(
        self,
        info: strawberry.Info,
        input: CreateFulfillmentInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> CreateFulfillmentResult:
        gid = decode_id(str(input.order_id), Kind.ORDER)
        command = CreateFulfillment(
            gid.external_id,
            _lines(input.lines),
            input.tracking_company,
            input.tracking_number,
            input.tracking_url,
            input.notify,
            _location(input.location_id, gid.store_id),
        )

        def succeed(operation: WriteOperation, result: dict[str, Any]) -> CreateFulfillmentSuccess:
            return CreateFulfillmentSuccess(
                operation=operation,
                fulfillment_id=_gid(gid.store_id, Kind.FULFILLMENT, result.get("fulfillment_id")),
                order_id=input.order_id,
                tracking_number=result.get("tracking_number"),
                lines=_written(result),
                stored=StoredResult.of(
                    result, gid.store_id, "createFulfillment", result.get("fulfillment_id")
                ),
            )

        return await run_write(info, gid.store_id, command, idempotency_key, wait, succeed)

    @strawberry.mutation(description="Refund an order, exactly once per idempotency key.")
    async def create_refund(
        self,
        info: strawberry.Info,
        input: CreateRefundInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> CreateRefundResult:
        gid = decode_id(str(input.order_id), Kind.ORDER)
        command = CreateRefund(
            gid.external_id,
            _lines(input.lines),
            _money(input.shipping_amount, "shippingAmount"),
            _money(input.amount, "amount"),
            input.reason,
            input.notify,
        )

        def succeed(operation: WriteOperation, result: dict[str, Any]) -> CreateRefundSuccess:
            return CreateRefundSuccess(
                operation=operation,
                refund_id=_gid(gid.store_id, Kind.REFUND, result.get("refund_id")),
                order_id=input.order_id,
                amount=_decimal_or_none(result.get("amount")),
                lines=_written(result),
                stored=StoredResult.of(
                    result, gid.store_id, "createRefund", result.get("refund_id")
                ),
            )

        return await run_write(info, gid.store_id, command, idempotency_key, wait, succeed)
