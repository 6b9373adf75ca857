"""adjustInventory and setInventory: stock writes through the write queue."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import strawberry

from platforms import canonical as c
from platforms.errors import InvalidInputError
from platforms.ids import Kind, decode_id
from platforms.writes.commands import AdjustInventory, SetInventory, WriteCommand
from resolvers.inventory import InventoryLevel
from resolvers.write_operations import NotDone, WriteOperation, run_write


@strawberry.input(description="Change the stock of a variant at a location by a delta.")
class AdjustInventoryInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant whose stock changes.")
    location_id: strawberry.ID = strawberry.field(description="Where (same store as the variant).")
    delta: int = strawberry.field(description="Units to add (negative to remove).")


@strawberry.input(description="Set the stock of a variant at a location to an absolute number.")
class SetInventoryInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant whose stock is set.")
    location_id: strawberry.ID = strawberry.field(description="Where (same store as the variant).")
    available: int = strawberry.field(description="Units available after the write.")


@strawberry.type(description="The stock was adjusted.")
class AdjustInventorySuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    inventory_level: InventoryLevel = strawberry.field(description="The level after the write.")


@strawberry.type(description="The stock was set.")
class SetInventorySuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    inventory_level: InventoryLevel = strawberry.field(description="The level after the write.")


AdjustInventoryResult = Annotated[
    AdjustInventorySuccess | NotDone,
    strawberry.union("AdjustInventoryResult", description="The outcome of adjustInventory."),
]
SetInventoryResult = Annotated[
    SetInventorySuccess | NotDone,
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
        available=None if available is None else int(available),
    )
    return InventoryLevel.of(level)


async def _write_level(
    info: strawberry.Info,
    store_id: str,
    command: WriteCommand,
    idempotency_key: str | None,
    wait: bool,
    success: type[L],
) -> L | NotDone:
    """Run a stock write; on success, `success` with the level the platform reports."""

    def succeed(operation: WriteOperation, result: dict[str, Any]) -> L:
        return success(operation=operation, inventory_level=_level(info, store_id, result))

    return await run_write(info, store_id, command, idempotency_key, wait, succeed)


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
        command = AdjustInventory(variant_id=variant, location_id=location, delta=input.delta)
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
        command = SetInventory(variant_id=variant, location_id=location, available=input.available)
        return await _write_level(
            info, store_id, command, idempotency_key, wait, SetInventorySuccess
        )
