"""Magento sandbox write endpoints: MSI source-items save, product PUT, order cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.magento.sandbox.seed import stamp
from platforms.sandbox_writes import WriteLog

if TYPE_CHECKING:
    from platforms.magento.sandbox.app import MagentoSandbox

Payload = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
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

    def __init__(self, sandbox: MagentoSandbox) -> None:
        self.state = sandbox.state
        self.log = WriteLog()

    @classmethod
    def install(cls, sandbox: MagentoSandbox) -> MagentoWriteRoutes:
        """Register under both REST prefixes, behind the sandbox's store-code and auth guard."""
        routes = cls(sandbox)
        table: list[tuple[str, str, str, Handler]] = [
            ("POST", "/inventory/source-items", "Magento_InventoryApi::source", routes._items),
            ("PUT", "/products/{sku}", "Magento_Catalog::products", routes._product),
            ("POST", "/orders/{id}/cancel", "Magento_Sales::cancel", routes._cancel),
        ]
        for prefix in ("/rest/{store_code}/V1", "/rest/V1"):
            for method, path, resource, handler in table:
                guarded = sandbox._guard(resource, routes._faults(handler))
                sandbox.app.router.add_route(method, prefix + path, guarded)
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
