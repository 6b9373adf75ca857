"""`[telemetry]` and `[logging]`: what the config file may say about metrics, traces, logs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MetricsAccess = Literal["admin", "public", "off"]


class TelemetryConfig(BaseModel):
    """`/metrics` access, and where traces go (none: tracing off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # admin: a bearer key with the admin scope (default); public: anyone who reaches the
    # port (scrapers that cannot send a header; firewall the port); off: no /metrics
    metrics: MetricsAccess = "admin"
    # the `/status` page, with the same choices (its refresh needs no header when public)
    status: MetricsAccess = "admin"
    # an OTLP/HTTP collector, e.g. http://otel-collector:4318 (/v1/traces is added)
    otlp_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    service_name: str = Field(default="cartgraph", min_length=1, max_length=100)
    sample_ratio: float = Field(default=1.0, ge=0, le=1)  # of traces not started by a client
    max_operation_names: int = Field(default=100, ge=1, le=10_000)  # then "other"


class LoggingConfig(BaseModel):
    """`format = "json"`: one JSON object per line (`--log-format` overrides)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["text", "json"] = "text"
