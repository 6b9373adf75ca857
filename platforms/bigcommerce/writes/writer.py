"""BigCommerce writes: stock through V3 inventory adjustments per location, prices through V3
variants; order writes (cancel, ship, refund) in `orders`."""

from __future__ import annotations

from typing import Any

from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.writes.orders import BigCommerceOrderWrites
from platforms.canonical import Platform
from platforms.errors import CartgraphError, NotFoundError
from platforms.writes.commands import (
    AdjustInventory,
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    SetInventory,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
    operation_tag,
)
from platforms.writes.kit import RestWriter, writer_factory
from platforms.writes.results import stock_outcome

NEVER_SET = "requires absolute adjustment before relative"


class BigCommerceWriter(RestWriter[BigCommerceClient]):
    """`PlatformWriter` for one BigCommerce store, on its client's transport and quota."""

    platform = Platform.BIGCOMMERCE
    # BigCommerce documents no server-side request timeout; its edge closes idle requests
    # after about a minute, so a write may still land that long after we gave up.
    platform_write_timeout = 60.0

    def __init__(self, client: BigCommerceClient) -> None:
        super().__init__(client, client.transport, client.root)
        self.orders = BigCommerceOrderWrites(self)

    async def _level(self, variant_id: str, location_id: str) -> tuple[int, int] | None:
        """(available, safety stock) of the variant at the location; None = no record there."""
        levels = await self.client.get_inventory_levels([variant_id])
        for level in levels.get(variant_id, []):
            if level.location_external_id == location_id:
                return int(level.available or 0), int(level.reserved or 0)
        return None

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Stock: the level before (None: never set there); price: the variant's product;
        order writes: what `orders` needs."""
        if isinstance(command, AdjustInventory | SetInventory):
            self._check_ids(command.variant_id, command.location_id)
            level = await self._level(command.variant_id, command.location_id)
            return {
                "before": None if level is None else level[0],
                "safety": level[1] if level else 0,
            }
        if isinstance(command, UpdateVariantPrice):
            return {"product_id": await self._product_of(command.variant_id)}
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.prepare(command)
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One request (a relative adjustment refused as never set: then one absolute)."""
        if isinstance(command, AdjustInventory | SetInventory) and (
            command.expected_available is not None
        ):  # read, then write: see expect_stock (no record at the location: none in stock)
            level = await self._level(command.variant_id, command.location_id)
            self.expect_stock(command, command.variant_id, level[0] if level else 0)
        if isinstance(command, SetInventory):
            quantity = command.available + int(checkpoint.get("safety") or 0)
            await self._adjust("absolute", command, quantity, operation_key)
            return stock_outcome(command.variant_id, command.location_id, command.available)
        if isinstance(command, AdjustInventory):
            return await self._relative(command, checkpoint, operation_key)
        if isinstance(command, UpdateVariantPrice):
            return await self._price(command, checkpoint)
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.execute(command, operation_key, checkpoint)
        raise self.refusal(f"BigCommerce has no API for {command.kind}")

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Adjust: the level against the one before; shipments and refunds: our tag on them.
        Set stock, price and cancel are absolute: sending them again is harmless."""
        if isinstance(command, AdjustInventory):
            level = await self._level(command.variant_id, command.location_id)
            before = checkpoint.get("before")
            if level is None:
                return None  # still never set: nothing was applied
            now = level[0]
            if not self.adjust_applied(command, command.variant_id, before or 0, now):
                return None
            return stock_outcome(command.variant_id, command.location_id, now)
        if isinstance(command, CreateFulfillment | CreateRefund):
            return await self.orders.reconcile(command, operation_key)
        return None

    # --- writes -------------------------------------------------------------------------

    def _check_ids(self, *ids: str) -> None:
        bad = [i for i in ids if not i.isdigit()]
        if bad:
            raise NotFoundError(
                f"No BigCommerce object {bad[0][:40]!r}", **self.ctx("write", bad[0]).where()
            )

    async def _adjust(self, kind: str, command: Any, quantity: int, operation_key: str) -> Any:
        item = {
            "location_id": int(command.location_id),
            "variant_id": int(command.variant_id),
            "quantity": quantity,
        }
        body = {"reason": operation_tag(operation_key), "items": [item]}
        method = "PUT" if kind == "absolute" else "POST"
        ctx = self.ctx(f"{kind}_adjustment", command.variant_id)
        return await self.send(method, f"v3/inventory/adjustments/{kind}", body, ctx)

    async def _relative(
        self, command: AdjustInventory, checkpoint: Checkpoint, operation_key: str
    ) -> WriteOutcome:
        before = checkpoint.get("before")
        try:
            await self._adjust("relative", command, command.delta, operation_key)
        except CartgraphError as error:
            if error.status != 422 or NEVER_SET not in str(error):
                raise
            # never set at this location: it holds nothing, so counting from 0 is exact
            await self._adjust("absolute", command, command.delta, operation_key)
            before = 0
        after = None if before is None else int(before) + command.delta
        return stock_outcome(command.variant_id, command.location_id, after)

    async def _product_of(self, variant_id: str) -> str:
        self._check_ids(variant_id)
        ctx = self.ctx("get_variant", variant_id)
        body = await self.read("v3/catalog/variants", {"id:in": variant_id}, ctx)
        rows = body.get("data") if isinstance(body, dict) else None
        if not rows:
            raise NotFoundError(f"No BigCommerce variant {variant_id}", **ctx.where())
        return str(rows[0]["product_id"])

    async def _price(self, command: UpdateVariantPrice, checkpoint: Checkpoint) -> WriteOutcome:
        # the mapping's reading: a sale price is what is charged, its price the compare-at
        body: dict[str, Any]
        if command.compare_at_price:
            body = {"price": command.compare_at_price, "sale_price": command.price}
        else:
            body = {"price": command.price, "sale_price": 0}
        path = f"v3/catalog/products/{checkpoint['product_id']}/variants/{command.variant_id}"
        saved = await self.send(
            "PUT", path, body, self.ctx("update_variant_price", command.variant_id)
        )
        data = saved.get("data") if isinstance(saved, dict) else None
        on_sale = isinstance(data, dict) and bool(data.get("sale_price"))
        return WriteOutcome(
            {
                "variant_id": command.variant_id,
                "price": str(data.get("sale_price") if on_sale else data.get("price"))
                if isinstance(data, dict)
                else None,
                "compare_at_price": str(data.get("price"))
                if on_sale and isinstance(data, dict)
                else None,
            }
        )


create_writer = writer_factory(BigCommerceWriter, BigCommerceClient)
