"""Magento 2 writes over REST: stock (MSI source items, or the legacy stock item on stores
without MSI), product price, order cancel, shipments and offline credit memos.

Magento has no relative stock update: adjust is read-then-set, which is safe because the
queue runs one write per (sku, source) at a time, and reconcile compares with the stored level.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from platforms.canonical import Platform
from platforms.errors import NotFoundError, UpstreamValidationError
from platforms.magento.client import MagentoClient
from platforms.magento.mapping.catalog import DEFAULT_SOURCE_CODE
from platforms.magento.pagination import SearchCriteria
from platforms.magento.writes.orders import MagentoOrderWrites
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
)
from platforms.writes.kit import RestWriter, writer_factory
from platforms.writes.results import stock_outcome

CANCELED = "canceled"


class MagentoWriter(RestWriter[MagentoClient]):
    """`PlatformWriter` for one Magento store, on its client's transport."""

    platform = Platform.MAGENTO
    # Magento's nginx.conf.sample gives PHP 600 s (fastcgi_read_timeout 600s), and PHP runs
    # on after the client has gone.
    platform_write_timeout = 600.0

    def __init__(self, client: MagentoClient) -> None:
        super().__init__(client, client.transport, client._base)
        self.orders = MagentoOrderWrites(self)

    # --- plumbing ----------------------------------------------------------------------

    async def _sku(self, variant_id: str) -> str:
        ctx = self.ctx("get_variant", variant_id)
        criteria = SearchCriteria().where("entity_id", variant_id).page(1, 1)
        body = await self.read("products", criteria.params(), ctx)
        items = body.get("items") if isinstance(body, dict) else None
        if not items or not isinstance(items[0], dict) or not items[0].get("sku"):
            raise NotFoundError(
                f"No Magento product with id {variant_id[:40]!r}",
                store_id=ctx.store_id,
                platform=ctx.platform,
                operation=ctx.operation,
            )
        return str(items[0]["sku"])

    async def _quantity(self, sku: str, source: str) -> float | None:
        """The stock of `sku` at `source`: its MSI source item, or, on a store without MSI,
        its legacy stock item (which only exists for the one "default" source)."""
        if await self._msi():
            ctx = self.ctx("get_source_item", sku)
            criteria = SearchCriteria().where("sku", sku).where("source_code", source)
            body = await self.read("inventory/source-items", criteria.params(), ctx)
            for item in body.get("items") or [] if isinstance(body, dict) else []:
                if isinstance(item, dict) and item.get("source_code") == source:
                    return float(item.get("quantity") or 0)
            return None
        stock = await self._stock_item(sku, source)
        return float(stock.get("qty") or 0)

    async def _msi(self) -> bool:
        """Whether the store runs MSI: the client's detection, made once if not yet done."""
        if self.client._msi is None:
            await self.client.list_locations()  # one inventory/sources call (404 without MSI)
        return self.client._msi is not False

    async def _stock_item(self, sku: str, source: str) -> dict[str, Any]:
        if source != DEFAULT_SOURCE_CODE:
            raise self.refusal(
                "This Magento store has no MSI: stock lives in one legacy stock item, at "
                f"location {DEFAULT_SOURCE_CODE!r} only"
            )
        ctx = self.ctx("get_stock_item", sku)
        body = await self.read(f"stockItems/{quote(sku, safe='')}", {}, ctx)
        return body if isinstance(body, dict) else {}

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Inventory: the SKU and the source's quantity before; price: the SKU."""
        if isinstance(command, AdjustInventory | SetInventory):
            sku = await self._sku(command.variant_id)
            checkpoint: Checkpoint = {"sku": sku}
            if not await self._msi():
                stock = await self._stock_item(sku, command.location_id)
                checkpoint["stock_item_id"] = stock.get("item_id")
            checkpoint["before"] = await self._quantity(sku, command.location_id)
            return checkpoint
        if isinstance(command, UpdateVariantPrice):
            return {"sku": await self._sku(command.variant_id)}
        if isinstance(command, CreateFulfillment | CreateRefund):
            return await self.orders.prepare(command)
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One POST/PUT."""
        if isinstance(command, AdjustInventory | SetInventory):
            return await self._stock(command, checkpoint)
        if isinstance(command, UpdateVariantPrice):
            sku = str(checkpoint["sku"])
            ctx = self.ctx("update_variant_price", command.variant_id)
            body = {"product": {"sku": sku, "price": float(command.price)}}
            saved = await self.send("PUT", f"products/{quote(sku, safe='')}", body, ctx)
            price = saved.get("price") if isinstance(saved, dict) else None
            data = {"variant_id": command.variant_id, "price": price, "compare_at_price": None}
            return WriteOutcome(data)
        if isinstance(command, CreateFulfillment | CreateRefund):
            return await self.orders.execute(command, operation_key, checkpoint)
        assert isinstance(command, CancelOrder)
        return await self._cancel(command)

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Adjust: compare the stock with the stored one; documents: look for our tag; the
        absolute writes resend safely."""
        if isinstance(command, CreateFulfillment | CreateRefund):
            return await self.orders.reconcile(command, operation_key, checkpoint)
        if not isinstance(command, AdjustInventory):
            return None
        sku, before = str(checkpoint["sku"]), checkpoint.get("before")
        now = await self._quantity(sku, command.location_id)
        if not self.adjust_applied(command, sku, before, now):
            return None
        return stock_outcome(sku, command.location_id, now)

    async def _stock(
        self, command: AdjustInventory | SetInventory, checkpoint: Checkpoint
    ) -> WriteOutcome:
        sku = str(checkpoint["sku"])
        if command.expected_available is not None:  # read, then write: see expect_stock
            self.expect_stock(command, sku, await self._quantity(sku, command.location_id))
        if isinstance(command, SetInventory):
            target = float(command.available)
        else:
            target = float(checkpoint.get("before") or 0) + command.delta
        if checkpoint.get("stock_item_id") is not None:  # no MSI: the legacy stock item
            ctx = self.ctx("update_stock_item", sku)
            path = f"products/{quote(sku, safe='')}/stockItems/{checkpoint['stock_item_id']}"
            stock = {"qty": target, "is_in_stock": target > 0}
            await self.send("PUT", path, {"stockItem": stock}, ctx)
            return stock_outcome(sku, command.location_id, target)
        item = {
            "sku": sku,
            "source_code": command.location_id,
            "quantity": target,
            "status": 1 if target > 0 else 0,
        }
        ctx = self.ctx("save_source_items", sku)
        await self.send("POST", "inventory/source-items", {"sourceItems": [item]}, ctx)
        return stock_outcome(sku, command.location_id, target)

    async def _cancel(self, command: CancelOrder) -> WriteOutcome:
        ctx = self.ctx("cancel_order", command.order_id)
        if not command.order_id.isdigit():
            raise NotFoundError(f"No Magento order {command.order_id[:40]!r}")
        done = await self.send("POST", f"orders/{command.order_id}/cancel", None, ctx)
        order = await self.read(f"orders/{command.order_id}", {}, self.ctx("get_order"))
        state = order.get("state") if isinstance(order, dict) else None
        if done is not True and state != CANCELED:
            # Magento answers 200 `false` when the order cannot be cancelled in its state.
            raise UpstreamValidationError(
                f"Magento refused to cancel order {command.order_id} in state {state!r}",
                store_id=ctx.store_id,
                platform=ctx.platform,
                operation=ctx.operation,
            )
        data = {
            "order_id": command.order_id,
            "status": state,
            "cancelled_at": _iso(order.get("updated_at")) if isinstance(order, dict) else None,
        }
        return WriteOutcome(data)


def _iso(value: Any) -> str | None:
    # Magento timestamps are "YYYY-MM-DD HH:MM:SS" in UTC.
    return f"{str(value).replace(' ', 'T')}+00:00" if value else None


create_writer = writer_factory(MagentoWriter, MagentoClient)
