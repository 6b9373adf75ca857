"""The Prometheus metrics of one app: names, labels, bounded label values, exposition."""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own switch, read at import
OTHER = "other"  # what a label value past its cap becomes
ANONYMOUS = "anonymous"
# GraphQL names; anything else (or longer) is never a label value
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OPERATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STORE = ("store", "platform")


class BoundedNames:
    """Label values capped in number: the first `limit` distinct ones, then "other".

    Per process: under `serve --workers N` the union is at most N x limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def __call__(self, name: str) -> str:
        if name in self._seen:
            return name
        if len(self._seen) >= self.limit:
            return OTHER
        self._seen.add(name)
        return name


class OperationNames(BoundedNames):
    """GraphQL operation names as label values: "anonymous" when unnamed, capped."""

    def label(self, name: str | None) -> str:
        """The label value for an operation name (a client's free text: bounded here)."""
        if not name:
            return ANONYMOUS
        return self(name) if _GRAPHQL_NAME.fullmatch(name) else OTHER


def multiprocess_dir() -> str | None:
    """The directory of `serve --workers N`'s shared metric files, None in one process."""
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(data_dir: str | Path) -> str:
    """Set (unless the operator did) and empty the workers' metric directory. Call before
    the workers start: prometheus_client picks its mode when a process imports it."""
    chosen = multiprocess_dir() or str(Path(data_dir).resolve() / "prometheus-multiproc")
    path = Path(chosen)
    if path.exists():  # files of a previous run would count its dead workers' totals again
        for item in path.glob("*.db"):
            item.unlink()
    else:
        path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = chosen
    return chosen


def forget_process(pid: int) -> None:
    """Drop a stopped worker's live gauges (its counters stay: totals never go back)."""
    if multiprocess_dir() is not None:
        prom_multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class Metrics:
    """Every metric of one app, in its own registry (never prometheus_client's global one).

    Label values are bounded: stores come from the config, endpoints are route templates
    capped per store, operation names are capped, statuses and codes are fixed sets."""

    def __init__(self, *, max_operation_names: int = 100, max_endpoints: int = 64) -> None:
        self.registry = CollectorRegistry()
        self.operation_names = OperationNames(max_operation_names)
        self.max_endpoints = max_endpoints
        self._endpoints: dict[str, BoundedNames] = {}
        self._graphql()
        self._upstream()
        self._state()

    def _graphql(self) -> None:
        self.operations = Histogram(
            "cartgraph_graphql_operation_duration_seconds",
            "GraphQL operations by name, type and outcome (success, partial, error), in seconds.",
            ("operation", "type", "outcome"),
            registry=self.registry,
            buckets=OPERATION_BUCKETS,
        )

    def _upstream(self) -> None:
        r = self.registry
        self.upstream_requests = Counter(
            "cartgraph_upstream_requests_total",
            "Upstream HTTP attempts by store, endpoint template, client call (list_orders, ...)"
            " and status (or failure kind).",
            (*STORE, "method", "endpoint", "call", "status"),
            registry=r,
        )
        self.upstream_duration = Histogram(
            "cartgraph_upstream_request_duration_seconds",
            "Upstream HTTP attempt latency, after the rate bucket, in seconds.",
            (*STORE, "method", "endpoint", "call"),
            registry=r,
            buckets=UPSTREAM_BUCKETS,
        )
        self.upstream_errors = Counter(
            "cartgraph_upstream_errors_total",
            "Failed upstream attempts by store and error code (AUTHENTICATION_FAILED, ...).",
            (*STORE, "code"),
            registry=r,
        )
        self.throttled = Counter(
            "cartgraph_upstream_throttled_total",
            "Upstream 429 / THROTTLED answers by store.",
            STORE,
            registry=r,
        )
        self.retries = Counter(
            "cartgraph_upstream_retries_total",
            "Upstream attempts retried by the transport, by store and the error that caused it.",
            (*STORE, "code"),
            registry=r,
        )
        self.store_up = Gauge(
            "cartgraph_store_up",
            "1 when the store's last upstream attempt got an answer that was not an"
            " authentication, 5xx, timeout or connection failure; else 0.",
            STORE,
            registry=r,
            multiprocess_mode="livemin",
        )

    def _state(self) -> None:
        r = self.registry
        self.bucket_fill = Gauge(
            "cartgraph_rate_bucket_fill_ratio",
            "How full the store's rate bucket is (0 empty, 1 full: calls wait).",
            ("store",),
            registry=r,
            multiprocess_mode="livemax",
        )
        self.bucket_available = Gauge(
            "cartgraph_rate_bucket_available",
            "Calls the store's rate bucket would grant at once.",
            ("store",),
            registry=r,
            multiprocess_mode="livemin",
        )
        self.write_jobs = Gauge(
            "cartgraph_write_jobs",
            "Write jobs by store and status (QUEUED, RUNNING, RETRYING, SUCCEEDED, QUARANTINED).",
            ("store", "status"),
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.write_oldest_pending = Gauge(
            "cartgraph_write_oldest_pending_age_seconds",
            "Age of the store's oldest write job not yet finished (0 when none).",
            ("store",),
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.dead_letters = Gauge(
            "cartgraph_dead_letters",
            "Quarantined incoming data waiting for a replay, by source (WEBHOOK receipts, POLL).",
            ("store", "source"),
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.event_lag = Gauge(
            "cartgraph_event_lag_seconds",
            "now - when the store's newest recorded event happened.",
            ("store",),
            registry=r,
            multiprocess_mode="mostrecent",
        )
        self.poll_age = Gauge(
            "cartgraph_poll_checkpoint_age_seconds",
            "Seconds since the store's poller (stream orders or inventory) last completed.",
            ("store", "stream"),
            registry=r,
            multiprocess_mode="livemin",
        )
        self.subscribers = Gauge(
            "cartgraph_subscribers",
            "Live event subscribers.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.cut_offs = Counter(
            "cartgraph_subscribers_cut_off_total",
            "Subscribers disconnected for falling too far behind.",
            registry=r,
        )
        self.document_cache = Counter(
            "cartgraph_document_cache_requests_total",
            "Parse/validation cache look-ups by cache and result (hit, miss).",
            ("cache", "result"),
            registry=r,
        )
        self.store_cache = Counter(
            "cartgraph_store_cache_requests_total",
            "Per-store read cache look-ups (products, locations) by result (hit, miss).",
            ("store", "cache", "result"),
            registry=r,
        )

    def endpoint(self, store_id: str, template: str) -> str:
        """The endpoint label: the route template, capped per store."""
        names = self._endpoints.get(store_id)
        if names is None:
            names = self._endpoints[store_id] = BoundedNames(self.max_endpoints)
        return names(template)

    def render(self) -> tuple[bytes, str]:
        """The exposition text (every worker's, in multiprocess mode) and its content type."""
        if multiprocess_dir() is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        merged = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged), CONTENT_TYPE_LATEST
