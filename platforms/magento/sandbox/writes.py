"""Magento sandbox write endpoints: MSI source items, legacy stock items, product PUT, order
cancel, shipments (order/{id}/ship) and offline credit memos (order/{id}/refund)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from platforms.magento.sandbox import query as sc
from platforms.magento.sandbox.seed import num, stamp
from platforms.magento.sandbox.state import MagentoState
from platforms.magento.sandbox.writes_orders import DocumentError, MagentoOrderDocuments
from platforms.sandbox.writes import WriteLog

Payload = dict[str, Any]
Handler = sc.Handler
NOT_CANCELABLE = ("canceled", "complete", "closed")


class MagentoError(Exception):
    """Magento's {"message", "parameters"} error answer."""

    def __init__(self, status: int, message: str, parameters: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameters = status, message, parameters

    def response(self) -> web.Response:
        body: Payload = {"message": self.message}
        if self.parameters is not None:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.status)


class MagentoWriteRoutes:
    """Write handlers over the sandbox state; each applied write lands in `log`."""

    def __init__(self, state: MagentoState, *, msi: bool) -> None:
        self.state = state
        self.msi = msi
        self.log = WriteLog()
        self.documents = MagentoOrderDocuments(state, msi=msi)

    @classmethod
    def install(
        cls, app: web.Application, state: MagentoState, guard: sc.Guard, *, msi: bool
    ) -> MagentoWriteRoutes:
        """Register under both REST prefixes, behind the sandbox's store-code and auth guard."""
        routes = cls(state, msi=msi)
        table: list[tuple[str, str, str, Handler]] = [
            ("POST", "/inventory/source-items", "Magento_InventoryApi::source", routes._items),
            ("PUT", "/products/{sku}", "Magento_Catalog::products", routes._product),
            ("POST", "/orders/{id}/cancel", "Magento_Sales::cancel", routes._cancel),
            ("POST", "/order/{id}/ship", "Magento_Sales::ship", routes._ship),
            ("POST", "/order/{id}/refund", "Magento_Sales::creditmemo", routes._refund),
            (
                "PUT",
                "/products/{sku}/stockItems/{item_id}",
                "Magento_CatalogInventory::cataloginventory",
                routes._stock_item,
            ),
        ]
        for prefix in sc.PREFIXES:
            for method, path, resource, handler in table:
                guarded = guard(resource, routes._faults(handler))
                app.router.add_route(method, prefix + path, guarded)
        return routes

    def _faults(self, handler: Handler) -> Handler:
        async def run(request: web.Request) -> web.StreamResponse:
            refused = self.log.refusal()
            if refused is not None:
                return _scripted(refused)
            try:
                return await handler(request)
            except MagentoError as error:
                return error.response()
            except DocumentError as error:
                return MagentoError(error.status, error.message, error.parameters).response()

        return run

    async def _applied(self, what: str, body: Any) -> web.Response:
        status = await self.log.record(what)
        return _scripted(status) if status is not None else web.json_response(body)

    async def _items(self, request: web.Request) -> web.Response:
        """POST inventory/source-items {"sourceItems": [...]}: absolute upsert; answers []."""
        items = (await _json(request)).get("sourceItems")
        if not isinstance(items, list) or not items:
            raise MagentoError(
                400, '"%fieldName" is required. Enter and try again.', {"fieldName": "sourceItems"}
            )
        known_sources = {s["source_code"] for s in self.state.sources}
        for item in items:
            sku, source = item.get("sku"), item.get("source_code")
            if self.state.product_by_sku(str(sku)) is None:
                raise MagentoError(400, 'The Product with the "%1" SKU doesn\'t exist.', [sku])
            if source not in known_sources:
                raise MagentoError(
                    400, 'Source item with source_code "%1" cannot be saved.', [source]
                )
            if not isinstance(item.get("quantity"), int | float) or isinstance(
                item["quantity"], bool
            ):
                raise MagentoError(400, "The quantity must be a number.")
        for item in items:
            self._upsert(item)
        return await self._applied(f"source-items:{items[0]['sku']}:{items[0]['source_code']}", [])

    def _upsert(self, item: Payload) -> None:
        row = {
            "sku": item["sku"],
            "source_code": item["source_code"],
            "quantity": item["quantity"],
            "status": int(item.get("status", 1)),
        }
        for existing in self.state.source_items:
            if existing["sku"] == row["sku"] and existing["source_code"] == row["source_code"]:
                existing.update(row)
                return
        self.state.source_items.append(row)

    async def _product(self, request: web.Request) -> web.Response:
        """PUT products/{sku} {"product": {...}}: the sandbox applies price."""
        sku = request.match_info["sku"]
        product = self.state.product_by_sku(sku)
        if product is None:
            raise MagentoError(
                404,
                "The product that was requested doesn't exist. Verify the product and try again.",
            )
        changes = (await _json(request)).get("product")
        if not isinstance(changes, dict):
            raise MagentoError(
                400, '"%fieldName" is required. Enter and try again.', {"fieldName": "product"}
            )
        if "price" in changes:
            price = changes["price"]
            if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
                raise MagentoError(400, 'The "%1" value is invalid.', ["price"])
            product["price"] = price
        product["updated_at"] = stamp(datetime.now(UTC))
        return await self._applied(f"product:{sku}", product)

    async def _cancel(self, request: web.Request) -> web.Response:
        """POST orders/{id}/cancel: `true`, or `false` when the state does not allow it."""
        raw = request.match_info["id"]
        order = self.state.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise MagentoError(
                404, "The entity that was requested doesn't exist. Verify the entity and try again."
            )
        if order["state"] in NOT_CANCELABLE:
            return web.json_response(False)
        order["state"] = order["status"] = "canceled"
        order["updated_at"] = stamp(datetime.now(UTC))
        return await self._applied(f"cancel:{raw}", True)

    async def _ship(self, request: web.Request) -> web.Response:
        """POST order/{id}/ship: answers the new shipment's id (as a JSON string)."""
        raw = request.match_info["id"]
        ident = self.documents.ship(raw, await _json(request))
        return await self._applied(f"ship:{raw}", str(ident))

    async def _refund(self, request: web.Request) -> web.Response:
        """POST order/{id}/refund (offline credit memo): answers the memo's id."""
        raw = request.match_info["id"]
        ident = self.documents.refund(raw, await _json(request))
        return await self._applied(f"refund:{raw}", str(ident))

    async def _stock_item(self, request: web.Request) -> web.Response:
        """PUT products/{sku}/stockItems/{itemId} {"stockItem": {qty, is_in_stock}}: the legacy
        single-source stock; with MSI, Magento mirrors it onto the default source."""
        sku = request.match_info["sku"]
        product = self.state.product_by_sku(sku)
        if product is None:
            raise MagentoError(404, 'The Product with the "%1" SKU doesn\'t exist.', [sku])
        stock = product["extension_attributes"]["stock_item"]
        changes = (await _json(request)).get("stockItem")
        if not isinstance(changes, dict):
            raise MagentoError(
                400, '"%fieldName" is required. Enter and try again.', {"fieldName": "stockItem"}
            )
        qty = changes.get("qty", stock["qty"])
        if isinstance(qty, bool) or not isinstance(qty, int | float):
            raise MagentoError(400, 'The "%1" value is invalid.', ["qty"])
        stock["qty"] = num(Decimal(str(qty)))
        stock["is_in_stock"] = bool(changes.get("is_in_stock", stock["qty"] > 0))
        if self.msi:
            item = {"sku": sku, "source_code": "default", "quantity": stock["qty"]}
            self._upsert({**item, "status": int(stock["qty"] > 0)})
        product["updated_at"] = stamp(datetime.now(UTC))
        return await self._applied(f"stock-item:{sku}", stock["item_id"])


async def _json(request: web.Request) -> Payload:
    try:
        body = await request.json()
    except ValueError:
        raise MagentoError(400, "Decoding error.") from None
    if not isinstance(body, dict):
        raise MagentoError(400, "Decoding error.")
    return body


def _scripted(status: int) -> web.Response:
    message = (
        "Too Many Requests"
        if status == 429
        else ("Internal Error. Details are available in Magento log file. Report ID: webapi-0002")
    )
    headers = {"Retry-After": "0.1"} if status == 429 else None
    return web.json_response({"message": message}, status=status, headers=headers)
