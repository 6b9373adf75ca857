"""What every platform client shares: its connection, one paced transport, call contexts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import aiohttp

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.http import (
    Authenticator,
    CallContext,
    ErrorClassifier,
    HttpTransport,
    RetryPolicy,
    UsageObserver,
)
from platforms.mapping.kit import MapSite
from platforms.ratelimit import LeakyBucket


@dataclass(frozen=True)
class Wiring:
    """What a platform plugs into the shared transport for one store."""

    authenticator: Authenticator
    classifier: ErrorClassifier
    usage_observer: UsageObserver | None = None


class StoreClient:
    """Base of a platform client: one store connection and the one transport its reads (and
    the writer built on the client) go through. A platform says only what differs: `platform`,
    `default_rate_limit` and its `wiring`."""

    platform: ClassVar[Platform]
    default_rate_limit: ClassVar[RateLimitSettings]

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        wiring = self.wiring(connection)  # first: missing credentials fail before any set-up
        self.connection = connection
        self._currency = connection.currency_code
        self.transport = HttpTransport(
            connection,
            authenticator=wiring.authenticator,
            classifier=wiring.classifier,
            # always paced, even for a connection built without config
            bucket=LeakyBucket(
                connection.rate_limit or self.default_rate_limit,
                enforced=wiring.usage_observer is not None,  # the platform counts it too
            ),
            usage_observer=wiring.usage_observer,
            retry=retry,
            session=session,
        )

    def wiring(self, connection: StoreConnection) -> Wiring:
        """The platform's authenticator, error classifier and usage observer for the store;
        ConfigError when the connection lacks what the platform needs."""
        raise NotImplementedError

    @property
    def calls(self) -> int:
        """Upstream HTTP requests sent so far (retries included)."""
        return self.transport.calls

    async def aclose(self) -> None:
        """Close the HTTP session if this client created it."""
        await self.transport.aclose()

    def _ctx(self, operation: str, external_id: str | None = None) -> CallContext:
        """Call context naming this store, for errors and logs."""
        return CallContext(self.connection.store_id, self.platform.value, operation, external_id)

    def _site(self, operation: str) -> MapSite:
        """Where payloads are mapped, for the PayloadErrors of a bad one."""
        return MapSite(self.connection.store_id, self.platform.value, operation)


def chunked(ids: Sequence[str], size: int) -> list[list[str]]:
    """`ids` in lists of at most `size`, in order: one request's worth each."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def numeric_ids(ids: Iterable[str]) -> list[str]:
    """Distinct ASCII-digit ids in first-seen order: on platforms with integer ids anything
    else cannot exist, so it is dropped (absent from the answer) instead of sent upstream."""
    return list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit()))
