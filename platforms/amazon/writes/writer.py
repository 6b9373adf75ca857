"""Amazon writes over SP-API: merchant stock and price through `patchListingsItem`, shipments
and cancellations (writes/orders.py), refunds by payment-adjustment feed (writes/orders.py too).
Amazon's own (FBA) stock is Amazon's to count: refused.

`patchListingsItem` answers ACCEPTED once Amazon validated the patch; the quantity or price
then shows on the listing (Amazon applies it within minutes; the sandbox at once). Adjust is
read-then-set (no relative update), so the queue's one-write-per-variant order matters.
"""

from __future__ import annotations

from typing import Any

from platforms.amazon.client import AmazonClient
from platforms.amazon.client_feeds import feed_sent
from platforms.amazon.mapping.catalog import MERCHANT, merchant_level, summary
from platforms.amazon.rest import Payload
from platforms.amazon.writes.orders import (
    NO_LINES,
    AmazonOrderWrites,
    RefundLineError,
    adjustments,
    refund,
)
from platforms.canonical import Platform
from platforms.errors import NotFoundError
from platforms.writes.commands import (
    WRITE_KINDS,
    AdjustInventory,
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    OutcomeUnknownError,
    SetInventory,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
    WriteRefusedError,
)
from platforms.writes.kit import RestWriter, writer_factory
from platforms.writes.results import stock_outcome

_FBA = "Amazon counts and holds FBA stock itself: only the 'merchant' location is writable"


class AmazonWriter(RestWriter[AmazonClient]):
    """`PlatformWriter` for one seller account, on its client (tokens, usage plans)."""

    platform = Platform.AMAZON
    supported = WRITE_KINDS
    # a patch is validated synchronously; Amazon states no time after which an accepted
    # request could still land, so allow its documented few minutes of processing
    platform_write_timeout = 300.0

    def __init__(self, client: AmazonClient) -> None:
        super().__init__(client, client.transport, client.connection.base_url)
        self.orders = AmazonOrderWrites(client)

    async def _listing(self, sku: str) -> Payload:
        path = f"/listings/2021-08-01/items/{self.client.seller_id}/{sku}"
        params = {
            "marketplaceIds": self.client.marketplace_ids[0],
            "includedData": "summaries,fulfillmentAvailability,offers",
        }
        try:
            return await self.client._json(
                "GET", path, "getListingsItem", params=params, external_id=sku
            )
        except NotFoundError as exc:
            raise NotFoundError(
                f"No Amazon listing {sku[:40]!r}",
                store_id=self.client.connection.store_id,
                platform="amazon",
            ) from exc

    def _merchant_quantity(self, item: Payload) -> int | None:
        level = merchant_level(item, store_id=self.client.connection.store_id)
        if level is None:
            raise self.refusal(f"SKU {item.get('sku')} is fulfilled by Amazon. {_FBA}")
        return level.available

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Stock: the listing's merchant quantity before; price: its product type; orders:
        the marketplace, and that the order is the merchant's to ship or cancel."""
        if isinstance(command, AdjustInventory | SetInventory):
            if command.location_id != MERCHANT:
                raise self.refusal(_FBA)
            item = await self._listing(command.variant_id)
            return {"before": self._merchant_quantity(item), "type": _product_type(item)}
        if isinstance(command, UpdateVariantPrice):
            if command.compare_at_price:
                raise self.refusal(
                    "Amazon has no compare-at price on an offer (list_price is "
                    "catalogue data): send the price alone"
                )
            return {"type": _product_type(await self._listing(command.variant_id))}
        if isinstance(command, CreateFulfillment | CancelOrder | CreateRefund):
            order = await self.orders.order(command.order_id)
            if (order.get("fulfillment") or {}).get("fulfilledBy") != "MERCHANT":
                raise self.refusal(
                    "Amazon ships, cancels and refunds its own (FBA) orders: the payment-"
                    "adjustment feed takes merchant-fulfilled orders only"
                )
            if isinstance(command, CreateRefund):
                self._check_refund(order, command)
            if isinstance(command, CreateFulfillment) and not command.tracking_number:
                raise self.refusal("Amazon's confirmShipment needs a tracking number")
            return {"marketplace": (order.get("salesChannel") or {}).get("marketplaceId")}
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One `patchListingsItem`, `confirmShipment`, or a cancellation feed."""
        if isinstance(command, AdjustInventory | SetInventory):
            return await self._stock(command, checkpoint)
        if isinstance(command, UpdateVariantPrice):
            return await self._price(command, checkpoint)
        if isinstance(command, CreateFulfillment):
            return await self.orders.ship(command, operation_key, checkpoint)
        if isinstance(command, CancelOrder):
            return await self.orders.cancel(command, checkpoint)
        if isinstance(command, CreateRefund):
            order = await self.orders.order(command.order_id)
            return await refund(self.client, order, command, operation_key, checkpoint)
        raise self.refusal(f"no API for {command.kind}")

    def _check_refund(self, order: Payload, command: CreateRefund) -> None:
        """Before anything is sent: lines Amazon can adjust (no order-level amount)."""
        if not command.lines or command.amount is not None:
            raise self.refusal(NO_LINES)
        try:
            adjustments(order, command)
        except RefundLineError as exc:
            raise WriteRefusedError(
                f"Amazon cannot refund this: {exc}",
                store_id=self.client.connection.store_id,
                platform="amazon",
                operation="create_refund",
                external_id=command.order_id,
            ) from exc

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Adjust: compare with the quantity before; ship: our package; cancel and refund:
        the feed an earlier attempt created, followed to its report (cancel without one:
        the order's status)."""
        if isinstance(command, AdjustInventory):
            now = self._merchant_quantity(await self._listing(command.variant_id))
            if not self.adjust_applied(command, command.variant_id, checkpoint.get("before"), now):
                return None
            return stock_outcome(command.variant_id, MERCHANT, now)
        if isinstance(command, CreateFulfillment):
            return await self.orders.shipped(command, operation_key)
        sent = feed_sent(checkpoint)
        if isinstance(command, CancelOrder):
            if isinstance(sent, str):
                return await self.orders.cancel(command, checkpoint)
            return await self.orders.cancelled(command)
        if isinstance(command, CreateRefund):
            if isinstance(sent, str):
                order = await self.orders.order(command.order_id)
                return await refund(self.client, order, command, operation_key, checkpoint)
            if sent is False:
                return None  # the attempt stopped before createFeed: no feed can exist
            # createFeed's answer was lost: the Orders API shows no refunds, so a feed that
            # may have been processed cannot be told from one that was not, and sending it
            # again could refund twice
            raise OutcomeUnknownError(
                f"A refund feed for order {command.order_id} may have been processed; the "
                "Orders API cannot tell: a person must check Seller Central",
                store_id=self.client.connection.store_id,
                platform="amazon",
                operation="create_refund",
            )
        return None  # set stock, price: absolute, sending again is harmless

    # --- listings patches ----------------------------------------------------------------

    async def _patch(self, sku: str, product_type: Any, patch: Payload, operation: str) -> Any:
        path = f"/listings/2021-08-01/items/{self.client.seller_id}/{sku}"
        body = {"productType": product_type, "patches": [patch]}
        response = await self.client._call(
            "PATCH",
            path,
            "patchListingsItem",
            body=body,
            external_id=sku,
            once=True,
            params={"marketplaceIds": self.client.marketplace_ids[0]},
        )
        return response.json(), response.headers.get("x-amzn-RequestId")

    async def _stock(
        self, command: AdjustInventory | SetInventory, checkpoint: Checkpoint
    ) -> WriteOutcome:
        if command.expected_available is not None:  # read, then write: see expect_stock
            now = self._merchant_quantity(await self._listing(command.variant_id))
            self.expect_stock(command, command.variant_id, now)
        if isinstance(command, SetInventory):
            target = command.available
        else:
            target = int(checkpoint.get("before") or 0) + command.delta
        patch = {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": target}],
        }
        _, request_id = await self._patch(
            command.variant_id, checkpoint["type"], patch, "set_stock"
        )
        return stock_outcome(command.variant_id, MERCHANT, target, request_id)

    async def _price(self, command: UpdateVariantPrice, checkpoint: Checkpoint) -> WriteOutcome:
        market = self.client.marketplace_ids[0]
        offer = {
            "marketplace_id": market,
            "currency": self.client.connection.currency_code,
            "our_price": [{"schedule": [{"value_with_tax": float(command.price)}]}],
        }
        patch = {"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]}
        _, request_id = await self._patch(
            command.variant_id, checkpoint["type"], patch, "update_variant_price"
        )
        data = {"variant_id": command.variant_id, "price": command.price, "compare_at_price": None}
        return WriteOutcome(data, request_id)


def _product_type(item: Payload) -> Any:
    return summary(item, "").get("productType") or "PRODUCT"


create_writer = writer_factory(AmazonWriter, AmazonClient)
