"""What the platform writers share: call contexts, retried reads, one-shot sends, the factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from platforms.adapter import StoreConnection
from platforms.canonical import Platform
from platforms.errors import UnsupportedOnPlatformError
from platforms.http import CallContext, HttpTransport, Request, Response
from platforms.writes.commands import (
    WRITE_KINDS,
    AdjustInventory,
    OutcomeUnknownError,
    SetInventory,
    SettleWindow,
    StockChangedError,
)


class OnStore(Protocol):
    """A platform client: what a writer needs of it besides its transport."""

    connection: StoreConnection


C = TypeVar("C", bound=OnStore)
W = TypeVar("W")


class RestWriter(Generic[C]):
    """Base of a platform's `PlatformWriter`, on the store's one client: its transport, so
    writes share the client's rate bucket, and its API root.

    A platform says only what differs: `platform`, what it cannot write (`unsupported`, kind
    -> why, and `supported` without them) and its prepare / execute / reconcile.
    """

    platform: ClassVar[Platform]
    supported: frozenset[str] = WRITE_KINDS
    unsupported: ClassVar[Mapping[str, str]] = {}
    # how long the platform may still apply a write after the gateway gave up on it (its own
    # request timeout, a bound where it documents none); a store overrides it with
    # `write_timeout_seconds`. Each platform states its figure and why.
    platform_write_timeout: ClassVar[float] = 60.0

    def __init__(self, client: C, transport: HttpTransport, api_root: str) -> None:
        self.client = client
        self._transport = transport
        self._root = api_root.rstrip("/")

    @property
    def settle(self) -> SettleWindow:
        """The store's settle window: its timeout, then its (or the platform's) write timeout."""
        conn = self.client.connection
        late = conn.write_timeout_seconds
        return SettleWindow(
            conn.timeout_seconds, self.platform_write_timeout if late is None else late
        )

    def ctx(self, operation: str, external_id: str | None = None) -> CallContext:
        """Call context naming this store."""
        store = self.client.connection.store_id
        return CallContext(store, self.platform.value, operation, external_id)

    def refusal(self, message: str) -> UnsupportedOnPlatformError:
        """The error for a write this store cannot take, naming the store and platform."""
        store = self.client.connection.store_id
        return UnsupportedOnPlatformError(message, store_id=store, platform=self.platform.value)

    async def read(self, path: str, params: dict[str, str], ctx: CallContext) -> Any:
        """A GET (path under the API root) with the transport's retries: reads are safe to
        repeat. The body as JSON."""
        request = Request("GET", f"{self._root}/{path}", params=params)
        return (await self._transport.request(request, ctx)).json()

    async def send_response(self, method: str, path: str, body: Any, ctx: CallContext) -> Response:
        """One write request, no transport retry: the queue owns retries of writes."""
        request = Request(method, f"{self._root}/{path}", json=body)
        return await self._transport.send_once(request, ctx)

    async def send(self, method: str, path: str, body: Any, ctx: CallContext) -> Any:
        """`send_response`'s body as JSON."""
        return (await self.send_response(method, path, body, ctx)).json()

    def adjust_applied(
        self, command: AdjustInventory, item_id: str, before: float | None, now: float | None
    ) -> bool:
        """Whether an earlier attempt of `command` on `item_id` (the platform's stock item)
        was applied: True when the level is `before` + delta, False when it is still
        `before` (safe to send again). Anything else means someone else changed the stock
        meanwhile, which no rule can untangle: OutcomeUnknownError."""
        if before is not None and now == before + command.delta:
            return True
        if now == before:
            return False
        raise OutcomeUnknownError(
            f"Stock of {item_id} at location {command.location_id} is {now}: neither {before} "
            f"(before) nor {before} + {command.delta} (after); a person must decide",
            **self.ctx("adjust_inventory", item_id).where(),
        )

    def expect_stock(
        self, command: AdjustInventory | SetInventory, item_id: str, now: float | None
    ) -> None:
        """Compare-and-swap where the platform has none (REST): the stock just read must be
        the caller's `expected_available`, else StockChangedError and nothing is sent. The
        race window is the time from this read's answer to the write's arrival at the store
        (one round trip): a change another system makes in between is overwritten, which
        only Shopify's GraphQL `changeFromQuantity` closes."""
        expected = command.expected_available
        if expected is None or now == expected:
            return
        found = None if now is None else int(now)
        raise StockChangedError(
            f"Stock of {item_id} at location {command.location_id} is {found}, not the "
            f"expected {expected}: nothing was written",
            details={"available": found, "expected_available": expected},
            **self.ctx(command.kind.lower(), item_id).where(),
        )


def writer_factory(writer: Callable[[C], W], client_type: type[C]) -> Callable[[Any], W]:
    """The spec's writer factory: a `writer` on the store's one client, of `client_type`."""

    def create_writer(client: Any) -> W:
        if not isinstance(client, client_type):
            name = getattr(writer, "__name__", "the writer")
            raise TypeError(f"{name} needs a {client_type.__name__}")
        return writer(client)

    return create_writer
