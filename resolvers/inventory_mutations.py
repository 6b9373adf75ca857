"""adjustInventory and setInventory: stock writes through the write queue."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import strawberry

from platforms import canonical as c
from platforms.errors import InvalidInputError
from platforms.ids import Kind, decode_id
from platforms.writes.commands import (
    AdjustInventory,
    SetInventory,
    StockChangedError,
    WriteCommand,
)
from resolvers.inventory import InventoryLevel
from resolvers.write_operations import NotDone, WriteFailed, WriteOperation, run_write

EXPECTED_DESCRIPTION = (
    "Compare-and-swap: write only if the variant's available stock at the location is this "
    "now; otherwise nothing is written and the result is StockChanged. Shopify (Admin "
    "GraphQL) checks it atomically (`changeFromQuantity`); Shopify REST, WooCommerce and "
    "Magento read the stock just before writing (a change in that one round trip is missed)."
)


@strawberry.input(description="Change the stock of a variant at a location by a delta.")
class AdjustInventoryInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant whose stock changes.")
    location_id: strawberry.ID = strawberry.field(description="Where (same store as the variant).")
    delta: int = strawberry.field(description="Units to add (negative to remove).")
    expected_available: int | None = strawberry.field(
        default=None, description=EXPECTED_DESCRIPTION
    )


@strawberry.input(description="Set the stock of a variant at a location to an absolute number.")
class SetInventoryInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant whose stock is set.")
    location_id: strawberry.ID = strawberry.field(description="Where (same store as the variant).")
    available: int = strawberry.field(description="Units available after the write.")
    expected_available: int | None = strawberry.field(
        default=None, description=EXPECTED_DESCRIPTION
    )


@strawberry.type(description="The stock was adjusted.")
class AdjustInventorySuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    inventory_level: InventoryLevel = strawberry.field(description="The level after the write.")


@strawberry.type(description="The stock was set.")
class SetInventorySuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    inventory_level: InventoryLevel = strawberry.field(description="The level after the write.")


@strawberry.type(
    description="Nothing was written: the stock was not the `expectedAvailable` given."
)
class StockChanged:
    operation: WriteOperation = strawberry.field(description="The refused operation.")
    expected_available: int = strawberry.field(description="The stock the write expected.")
    available: int | None = strawberry.field(
        description="The stock found instead (null: the variant is not stocked there)."
    )
    message: str = strawberry.field(description="What was found, in words.")


AdjustInventoryResult = Annotated[
    AdjustInventorySuccess | StockChanged | NotDone,
    strawberry.union("AdjustInventoryResult", description="The outcome of adjustInventory."),
]
SetInventoryResult = Annotated[
    SetInventorySuccess | StockChanged | NotDone,
    strawberry.union("SetInventoryResult", description="The outcome of setInventory."),
]
L = TypeVar("L", AdjustInventorySuccess, SetInventorySuccess)


def _target(variant_id: strawberry.ID, location_id: strawberry.ID) -> tuple[str, str, str]:
    """(store, variant external id, location external id), both ids in one store."""
    variant = decode_id(str(variant_id), Kind.VARIANT)
    location = decode_id(str(location_id), Kind.LOCATION)
    if variant.store_id != location.store_id:
        raise InvalidInputError("variantId and locationId belong to different stores")
    return variant.store_id, variant.external_id, location.external_id


def _level(info: strawberry.Info, store_id: str, result: dict[str, Any]) -> InventoryLevel:
    item, location = str(result.get("inventory_item_id")), str(result.get("location_id"))
    available = result.get("available")
    platform = info.context.store(store_id).connection.platform
    level = c.InventoryLevel(
        store_id=store_id,
        platform=platform,
        external_id=f"{item}:{location}",
        inventory_item_id=item,
        location_external_id=location,
        available=_count(available),
    )
    return InventoryLevel.of(level)


def _count(value: object) -> int | None:
    # a stored result is read back later, maybe written by a version with another shape
    try:
        return int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    except ValueError:
        return None


async def _write_level(
    info: strawberry.Info,
    store_id: str,
    command: WriteCommand,
    idempotency_key: str | None,
    wait: bool,
    success: type[L],
) -> L | StockChanged | NotDone:
    """Run a stock write; on success, `success` with the level the platform reports; a
    failed compare-and-swap, StockChanged."""

    def succeed(operation: WriteOperation, result: dict[str, Any]) -> L:
        return success(operation=operation, inventory_level=_level(info, store_id, result))

    outcome = await run_write(info, store_id, command, idempotency_key, wait, succeed)
    if isinstance(outcome, WriteFailed) and outcome.code == StockChangedError.code:
        found: Any = outcome.operation.result or {}
        available = found.get("available") if isinstance(found, dict) else None
        return StockChanged(
            operation=outcome.operation,
            expected_available=int(getattr(command, "expected_available", 0) or 0),
            available=_count(available),
            message=outcome.message,
        )
    return outcome


@strawberry.type
class InventoryMutations:
    @strawberry.mutation(
        description="Add `delta` units to a variant's stock at a location, exactly once per "
        "idempotency key (the `idempotencyKey` argument or the Idempotency-Key header)."
    )
    async def adjust_inventory(
        self,
        info: strawberry.Info,
        input: AdjustInventoryInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> AdjustInventoryResult:
        store_id, variant, location = _target(input.variant_id, input.location_id)
        command = AdjustInventory(
            variant_id=variant,
            location_id=location,
            delta=input.delta,
            expected_available=input.expected_available,
        )
        return await _write_level(
            info, store_id, command, idempotency_key, wait, AdjustInventorySuccess
        )

    @strawberry.mutation(
        description="Set a variant's stock at a location to `available`, exactly once per "
        "idempotency key (the `idempotencyKey` argument or the Idempotency-Key header)."
    )
    async def set_inventory(
        self,
        info: strawberry.Info,
        input: SetInventoryInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> SetInventoryResult:
        store_id, variant, location = _target(input.variant_id, input.location_id)
        command = SetInventory(
            variant_id=variant,
            location_id=location,
            available=input.available,
            expected_available=input.expected_available,
        )
        return await _write_level(
            info, store_id, command, idempotency_key, wait, SetInventorySuccess
        )
