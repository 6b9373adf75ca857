"""`POST /webhooks/{storeId}`: verify, validate, store durably, answer 202, process later.

A signed delivery whose body does not map is stored too (202) and quarantined by the
processor, so `replayReceipt` can process it after a mapping fix."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.events.log import Receipt
from platforms.errors import StoreNotFoundError
from platforms.registry import get_spec
from platforms.webhooks import WebhookDelivery, WebhookMappingError, WebhookPayloadError

if TYPE_CHECKING:
    from gateway.events.service import EventService

log = logging.getLogger("cartgraph.webhooks")

MAX_BODY_BYTES = 5 * 1024 * 1024
SECRET_KEYS = ("webhook_secret", "webhook_secret_previous")
KEPT_HEADERS = ("x-shopify-", "x-wc-", "content-type", "user-agent")


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _read_limited(request: Request) -> bytes | None:
    """The raw body, or None past MAX_BODY_BYTES (read no further than that)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_routes(service: EventService) -> list[Route]:
    """The receiver route, bound to one event service."""

    async def receive(request: Request) -> Response:
        store_id = request.path_params["store_id"]
        try:
            handle = service.registry.get(store_id)
        except StoreNotFoundError:
            return _problem(404, "STORE_NOT_FOUND", f"Unknown store {store_id!r}")
        adapter = get_spec(handle.connection.platform).webhooks
        if adapter is None:
            return _problem(404, "WEBHOOKS_UNSUPPORTED", f"Store {store_id!r} takes no webhooks")
        body = await _read_limited(request)
        if body is None:
            return _problem(413, "WEBHOOK_TOO_LARGE", "Webhook body is too large")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if adapter.is_ping(headers, body):
            return JSONResponse({"status": "ping acknowledged"}, status_code=200)
        secrets = [s for k in SECRET_KEYS if (s := handle.connection.credentials.get(k, ""))]
        # no secret configured means nothing can be verified: refuse rather than trust.
        if not adapter.verify(headers, body, secrets):
            log.warning("webhook for %s rejected: bad or missing signature", store_id)
            return _problem(401, "WEBHOOK_SIGNATURE_INVALID", "Webhook signature does not verify")
        try:
            delivery = adapter.parse(
                headers,
                body,
                store_id=store_id,
                currency=handle.connection.currency_code,
            )
        except WebhookMappingError as exc:
            # signed and named, but it does not map: kept, the processor quarantines it
            delivery = WebhookDelivery(exc.delivery_id, exc.topic)
        except WebhookPayloadError as exc:
            log.warning("webhook for %s rejected: %s", store_id, exc.message)
            return _problem(400, exc.code, exc.message)
        # keep only what processing needs: a proxy's Authorization header never hits disk.
        kept = {k: v for k, v in headers.items() if k.startswith(KEPT_HEADERS)}
        receipt_id = await service.log.store_receipt(
            store_id, delivery.delivery_id, delivery.topic, kept, body
        )
        if receipt_id is None:
            return JSONResponse({"status": "duplicate delivery"}, status_code=202)
        service.processor.submit(
            Receipt(receipt_id, store_id, delivery.delivery_id, delivery.topic, kept, body)
        )
        return JSONResponse({"status": "accepted", "receipt": receipt_id}, status_code=202)

    return [Route("/webhooks/{store_id}", receive, methods=["POST"])]
