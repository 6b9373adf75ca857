"""updateVariantPrice through the write queue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import strawberry

from platforms.ids import Kind, decode_id, encode_id
from platforms.writes.commands import UpdateVariantPrice
from resolvers.write_operations import NotDone, WriteOperation, money_input, run_write


@strawberry.input(description="A variant's new price (in the store's currency).")
class UpdateVariantPriceInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant to reprice.")
    price: Decimal = strawberry.field(description='The new price, e.g. "19.90".')
    compare_at_price: Decimal | None = strawberry.field(
        default=None, description="The new compare-at (was) price; omit to leave it as it is."
    )
    clear_compare_at_price: bool = strawberry.field(
        default=False, description="Remove the compare-at price."
    )


@strawberry.type(description="The price was updated.")
class UpdateVariantPriceSuccess:
    operation: WriteOperation = strawberry.field(description="The finished operation.")
    variant_id: strawberry.ID = strawberry.field(description="The repriced variant.")
    price: Decimal = strawberry.field(description="The price the platform now holds.")
    compare_at_price: Decimal | None = strawberry.field(
        description="The compare-at price the platform now holds."
    )


UpdateVariantPriceResult = Annotated[
    UpdateVariantPriceSuccess | NotDone,
    strawberry.union("UpdateVariantPriceResult", description="The outcome of updateVariantPrice."),
]


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


@strawberry.type
class ProductMutations:
    @strawberry.mutation(
        description="Set a variant's price (and compare-at price), "
        "exactly once per idempotency key."
    )
    async def update_variant_price(
        self,
        info: strawberry.Info,
        input: UpdateVariantPriceInput,
        idempotency_key: str | None = None,
        wait: bool = True,
    ) -> UpdateVariantPriceResult:
        gid = decode_id(str(input.variant_id), Kind.VARIANT)
        compare: str | None = None
        if input.clear_compare_at_price:
            compare = ""
        elif input.compare_at_price is not None:
            compare = money_input(input.compare_at_price, "compareAtPrice")
        command = UpdateVariantPrice(
            variant_id=gid.external_id,
            price=money_input(input.price, "price"),
            compare_at_price=compare,
        )

        def succeed(operation: WriteOperation, result: dict[str, Any]) -> UpdateVariantPriceSuccess:
            return UpdateVariantPriceSuccess(
                operation=operation,
                variant_id=strawberry.ID(encode_id(gid.store_id, Kind.VARIANT, gid.external_id)),
                price=_decimal(result.get("price")) or Decimal(command.price),
                compare_at_price=_decimal(result.get("compare_at_price")),
            )

        return await run_write(info, gid.store_id, command, idempotency_key, wait, succeed)
