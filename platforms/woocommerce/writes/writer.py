"""WooCommerce writes over REST v3: stock and price via PUT products/variations, order cancel.

Core WooCommerce has one stock figure per product (no locations), no relative stock update
and no shipment API: adjust is read-then-set (the queue runs one write per variant at a
time), fulfilments are unsupported, refunds are tagged in their reason for reconcile.
"""

from __future__ import annotations

from typing import Any

from platforms.canonical import Platform
from platforms.errors import NotFoundError, PayloadError
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.mapping.catalog import LOCATION_ID
from platforms.woocommerce.rest import answer_object
from platforms.woocommerce.writes.orders import WooCommerceOrderWrites
from platforms.writes.commands import (
    WRITE_KINDS,
    AdjustInventory,
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    SetInventory,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
)
from platforms.writes.kit import RestWriter, writer_factory
from platforms.writes.results import stock_outcome


class WooCommerceWriter(RestWriter[WooCommerceClient]):
    """`PlatformWriter` for one WooCommerce store, on its client's transport."""

    platform = Platform.WOOCOMMERCE
    unsupported = {
        CreateFulfillment.kind: "WooCommerce core has no shipment API "
        "(tracking lives in plugins such as Shipment Tracking)",
    }
    supported = WRITE_KINDS - unsupported.keys()
    # PHP runs on after the client has gone (PHP-FPM's request_terminate_timeout is off by
    # default); hosts commonly cap max_execution_time at 30-120 s.
    platform_write_timeout = 120.0

    def __init__(self, client: WooCommerceClient) -> None:
        super().__init__(client, client.transport, client._api)
        self.orders = WooCommerceOrderWrites(self)

    async def _variant_path(self, variant_id: str) -> tuple[str, dict[str, Any]]:
        """The REST path of a variant (a variation or a simple product) and its payload."""
        ctx = self.ctx("get_variant", variant_id)
        if not variant_id.isdigit():
            raise NotFoundError(
                f"No WooCommerce product {variant_id[:40]!r}", store_id=ctx.store_id
            )
        # products/{id} also answers for variations (woocommerce#41374), naming the parent.
        body = await self.read(f"products/{variant_id}", {}, ctx)
        if not isinstance(body, dict):
            raise PayloadError("WooCommerce get_variant did not return an object")
        if body.get("type") == "variation" and body.get("parent_id"):
            return f"products/{body['parent_id']}/variations/{variant_id}", body
        return f"products/{variant_id}", body

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Inventory and price: the variant's REST path and its stock before the write."""
        if isinstance(command, AdjustInventory | SetInventory):
            self._one_location(command.location_id)
        if isinstance(command, AdjustInventory | SetInventory | UpdateVariantPrice):
            path, body = await self._variant_path(command.variant_id)
            return {"path": path, "before": body.get("stock_quantity")}
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One PUT/POST."""
        if isinstance(command, AdjustInventory | SetInventory):
            return await self._stock(command, checkpoint)
        if isinstance(command, UpdateVariantPrice):
            return await self._price(command, checkpoint)
        if isinstance(command, CancelOrder | CreateRefund):
            return await self.orders.execute(command, operation_key)
        raise self.refusal(f"WooCommerce has no API for {command.kind}")

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Adjust: compare with the stock before; refunds: look for our tag."""
        if isinstance(command, AdjustInventory):
            _, body = await self._variant_path(command.variant_id)
            now, before = body.get("stock_quantity"), checkpoint.get("before")
            if before is None:  # untracked stock: the send counts from 0 and turns tracking on
                if now is None:
                    return None  # still untracked: not applied
                before = 0
            if not self.adjust_applied(command, command.variant_id, before, now):
                return None
            return stock_outcome(command.variant_id, LOCATION_ID, now)
        if isinstance(command, CreateRefund):
            return await self.orders.reconcile(command, operation_key)
        return None  # set stock, price, cancel: absolute, sending again is harmless

    # --- writes -------------------------------------------------------------------------

    def _one_location(self, location_id: str) -> None:
        if location_id != LOCATION_ID:
            raise self.refusal(
                "WooCommerce core keeps one stock figure per product: only location "
                f"{LOCATION_ID!r} exists"
            )

    async def _stock(
        self, command: AdjustInventory | SetInventory, checkpoint: Checkpoint
    ) -> WriteOutcome:
        if command.expected_available is not None:  # read, then write: see expect_stock
            _, now = await self._variant_path(command.variant_id)
            self.expect_stock(command, command.variant_id, now.get("stock_quantity"))
        if isinstance(command, SetInventory):
            target = command.available
        else:
            target = int(checkpoint.get("before") or 0) + command.delta
        ctx = self.ctx("set_stock", command.variant_id)
        body = {"manage_stock": True, "stock_quantity": target}
        saved = await self.send("PUT", str(checkpoint["path"]), body, ctx)
        available = answer_object(saved).get("stock_quantity")
        return stock_outcome(command.variant_id, LOCATION_ID, available)

    async def _price(self, command: UpdateVariantPrice, checkpoint: Checkpoint) -> WriteOutcome:
        # WooCommerce prices: regular_price, and sale_price when on sale (then the regular
        # price is what the canonical model calls compare-at).
        if command.compare_at_price:
            body = {"regular_price": command.compare_at_price, "sale_price": command.price}
        else:
            body = {"regular_price": command.price, "sale_price": ""}
        ctx = self.ctx("update_variant_price", command.variant_id)
        saved = answer_object(await self.send("PUT", str(checkpoint["path"]), body, ctx))
        on_sale = saved.get("sale_price") not in (None, "")
        data = {
            "variant_id": command.variant_id,
            "price": saved.get("price"),
            "compare_at_price": saved.get("regular_price") if on_sale else None,
        }
        return WriteOutcome(data)


create_writer = writer_factory(WooCommerceWriter, WooCommerceClient)
