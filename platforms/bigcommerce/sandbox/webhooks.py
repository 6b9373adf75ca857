"""BigCommerce sandbox webhooks: thin payloads signed per Standard Webhooks, retried on
BigCommerce's schedule compressed for tests (see `platforms.sandbox.webhooks`)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from platforms.bigcommerce.sandbox.seed import STORE_HASH
from platforms.bigcommerce.webhooks import sign
from platforms.sandbox.webhooks import WebhookSender, add_sender_routes
from platforms.sandbox.writes import WriteLog

STORE_ID = "1025646"  # the store's numeric id, as payloads carry it
# BigCommerce retries after 60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400 and
# 86400 s, then deactivates the hook; here each wait is 1/240 of that (60 s -> 0.25 s)
RETRY_SCHEDULE = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
COMPRESSION = 240


class BigCommerceSender(WebhookSender):
    """The shared sender with BigCommerce's retry schedule (compressed)."""

    retry_delays = tuple(s / COMPRESSION for s in RETRY_SCHEDULE)


def thin_body(scope: str, data: dict[str, Any], created_at: int) -> bytes:
    """The payload BigCommerce sends: the scope, what changed (by id) and a content hash."""
    core = {"scope": scope, "store_id": STORE_ID, "data": data}
    # BigCommerce's `hash` is 40 hex digits (a SHA-1): an identity, not a security measure
    seen = json.dumps({**core, "created_at": created_at}, sort_keys=True).encode()
    digest = hashlib.sha1(seen, usedforsecurity=False)
    body = {
        **core,
        "hash": digest.hexdigest(),
        "created_at": created_at,
        "producer": f"stores/{STORE_HASH}",
    }
    return json.dumps(body).encode()


class BigCommerceWebhookEmitter:
    """Webhook delivery for one sandbox: `POST /_sandbox/webhooks` configures it; the write
    routes and the storefront announce (scope, data)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.sender = BigCommerceSender(self._headers)

    def _headers(self, topic: str, body: bytes, delivery_id: str, secret: str) -> dict[str, str]:
        stamp = int(self._clock())
        message_id = f"msg_{delivery_id}"
        return {
            "Content-Type": "application/json",
            "User-Agent": "BigCommerce-Webhooks",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, message_id, stamp, body),
        }

    @classmethod
    def install(cls, app: web.Application, writes: WriteLog) -> BigCommerceWebhookEmitter:
        """Create the emitter and register its control routes on the sandbox's app."""
        emitter = cls()
        writes.listeners.append(emitter.announce)
        add_sender_routes(app, emitter.sender)
        return emitter

    def announce(self, scope: str, data: Any) -> None:
        """Send `scope` naming `data` (`{"type", "id", …}`)."""
        self.sender.emit(scope, thin_body(scope, dict(data), int(self._clock())))
