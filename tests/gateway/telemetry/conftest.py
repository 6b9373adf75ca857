"""Fixtures for telemetry tests: a gateway with its own Telemetry, spans kept in memory."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.events.service import EventService
from gateway.logs import LINE_FORMAT
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.telemetry.hub import Telemetry
from gateway.telemetry.tracing import Tracing
from platforms.adapter import StoreConnection
from platforms.sandbox.kit import serve
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from tests.helpers.auth import AUTH_HEADERS, admin_gate


@dataclass
class Traced:
    """A running gateway, its telemetry, and the spans it exported."""

    url: str
    session: aiohttp.ClientSession
    telemetry: Telemetry
    exporter: InMemorySpanExporter
    events: EventService | None = None

    async def post(
        self, query: str, headers: dict[str, str] | None = None, **variables: Any
    ) -> tuple[dict[str, Any], aiohttp.ClientResponse]:
        """POST a GraphQL request: (body, response)."""
        body = {"query": query, "variables": variables}
        async with self.session.post(f"{self.url}/graphql", json=body, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json(), resp

    async def metrics(self, headers: dict[str, str] | None = None) -> str:
        """GET /metrics with the admin key (or `headers`); the exposition text."""
        async with self.session.get(f"{self.url}/metrics", headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.text()

    def spans(self) -> list[ReadableSpan]:
        """Every span ended so far."""
        return list(self.exporter.get_finished_spans())


StartTraced = Callable[..., Awaitable[Traced]]


@pytest.fixture
async def start_traced() -> AsyncIterator[StartTraced]:
    """Start gateways with their own Telemetry (tracing to memory unless `tracing=False`)."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))

        async def start(
            connections: list[StoreConnection],
            *,
            tracing: bool = True,
            telemetry: Telemetry | None = None,
            auth: AuthGate | None = None,
            ttls: CacheTTLs | None = None,
            events_dir: Path | None = None,
        ) -> Traced:
            exporter = InMemorySpanExporter()
            telemetry = telemetry or Telemetry(
                tracing=Tracing.to_exporter(exporter) if tracing else Tracing()
            )
            registry = StoreRegistry(connections, ttls=ttls or CacheTTLs(products=0, locations=0))
            events = None
            if events_dir is not None:  # polled once at start (a baseline), then on demand
                hourly = {c.store_id: 3600.0 for c in connections}
                events = EventService.open(registry, events_dir, poll_intervals=hourly)
            app = create_app(
                registry, auth=auth or admin_gate(), telemetry=telemetry, events=events
            )
            url = await stack.enter_async_context(running(app))
            return Traced(url, session, telemetry, exporter, events)

        yield start


ServeWoo = Callable[..., Awaitable[tuple[WooCommerceSandbox, StoreConnection]]]


@pytest.fixture
async def serve_woo() -> AsyncIterator[ServeWoo]:
    """WooCommerce sandboxes on real sockets (REST: one route per resource, ids in paths)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(store_id: str = "woo-a") -> tuple[WooCommerceSandbox, StoreConnection]:
            sandbox = WooCommerceSandbox(seed=3, orders=20, products=12)
            url = await stack.enter_async_context(serve(sandbox.app))
            return sandbox, sandbox.connection(store_id, url)

        yield start


@pytest.fixture
def log_lines() -> Iterator[Callable[[logging.Formatter], io.StringIO]]:
    """Attach a stream handler with a formatter to the root logger, as `configure_logging`
    does (formatting happens while the logging code runs, in its context)."""
    handlers: list[logging.Handler] = []
    root = logging.getLogger()
    level = root.level

    def attach(formatter: logging.Formatter) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        handlers.append(handler)
        return stream

    yield attach
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def text_formatter() -> logging.Formatter:
    """The text formatter as the CLI configures it."""
    from gateway.logs import ContextFormatter

    return ContextFormatter(LINE_FORMAT)
