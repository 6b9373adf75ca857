"""One app's telemetry: its metrics, its tracer, and how they are wired into the app."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.telemetry.metrics import Metrics, forget_process, multiprocess_dir
from gateway.telemetry.observer import TransportObserver
from gateway.telemetry.sampler import Sampler
from gateway.telemetry.settings import MetricsAccess, TelemetryConfig
from gateway.telemetry.tracing import Tracing
from platforms.http import HttpTransport

if TYPE_CHECKING:
    from gateway.stores import StoreRegistry
    from gateway.writes.model import Job
    from gateway.writes.queue import WriteQueue

WORKER_SAMPLE_SECONDS = 10.0  # how fresh each worker's own gauges are under --workers N


@dataclass
class Telemetry:
    """Created per app (`create_app(telemetry=...)`), never shared: tests get their own."""

    metrics: Metrics = field(default_factory=Metrics)
    tracing: Tracing = field(default_factory=Tracing)
    metrics_access: MetricsAccess = "admin"
    status_access: MetricsAccess = "admin"  # `/status`

    def __post_init__(self) -> None:
        self.observer = TransportObserver(self.metrics, self.tracing)

    @classmethod
    def from_config(cls, config: TelemetryConfig) -> Telemetry:
        """Metrics always; traces to OTLP only when `otlp_endpoint` is set."""
        tracing = (
            Tracing.otlp(config.otlp_endpoint, config.service_name, config.sample_ratio)
            if config.otlp_endpoint
            else Tracing()
        )
        metrics = Metrics(max_operation_names=config.max_operation_names)
        return cls(metrics, tracing, config.metrics, status_access=config.status)

    def watch_stores(self, registry: StoreRegistry) -> None:
        """Every store's transport reports its attempts to this app's observer (none when
        nobody reads them: no /metrics, no /status and no tracing)."""
        if self.metrics_access == self.status_access == "off" and not self.tracing.on:
            return
        for handle in registry.handles():
            for transport in transports_of(handle.client):
                transport.observer = self.observer

    def watch_writes(self, queue: WriteQueue) -> None:
        """A span per write attempt (nothing is wrapped when tracing is off)."""
        if self.tracing.on:
            queue.attempt_hook = WriteAttempts(self.tracing, queue).run

    @contextlib.asynccontextmanager
    async def running(self, sampler: Sampler) -> AsyncIterator[None]:
        """For the app's lifespan: under `serve --workers N` each worker samples its own
        state in the background (the scrape reaches only one of them); at the end, the
        worker's live gauges are dropped and buffered spans exported."""
        task = None
        if multiprocess_dir() is not None:
            task = asyncio.create_task(sampler.every(WORKER_SAMPLE_SECONDS))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            forget_process(os.getpid())
            await asyncio.to_thread(self.tracing.shutdown)  # may wait on the collector


def transports_of(client: object) -> list[HttpTransport]:
    """A client's transports: its own, and those of the clients it holds (Shopify's GraphQL
    client keeps a REST client for writes)."""
    found = []
    for holder in (client, *getattr(client, "__dict__", {}).values()):
        transport = getattr(holder, "transport", None)
        if isinstance(transport, HttpTransport) and transport not in found:
            found.append(transport)
    return found


class WriteAttempts:
    """Wraps each attempt of the write queue in a span (child of nothing: the worker runs
    outside any request), ended with the status the attempt left the job in."""

    def __init__(self, tracing: Tracing, queue: WriteQueue) -> None:
        self.tracing = tracing
        self.queue = queue

    async def run(self, job: Job, attempt: Coroutine[Any, Any, None]) -> None:
        """Run `attempt` (the runner's) inside the span."""
        attributes = {
            "cartgraph.store": job.store_id,
            "cartgraph.write.kind": job.kind,
            "cartgraph.write.id": job.id,
            "cartgraph.attempt": job.attempts,
        }
        with self.tracing.span(f"write {job.kind}", attributes) as span:
            await attempt
            if span is not None:
                after = await self.queue.store.get(job.id)
                if after is not None:
                    span.set_attribute("cartgraph.write.status", after.status.value)
                    if after.last_error_code:
                        span.set_attribute("error.type", after.last_error_code)
