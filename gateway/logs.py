"""Log formatting: every line about an upstream call names its store, platform and attempt."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from gateway.telemetry.ids import current_request_id, current_trace_id

LogFormat = Literal["text", "json"]
# Context fields the transport, workers and GraphQL layer attach with `extra=`; never
# credentials, never the operation text (its sha256 `query_hash` instead). The request id
# and trace id come from the context of the code that logs (`ids_of`), not from `extra=`.
CONTEXT_FIELDS = (
    "request_id",
    "trace_id",
    "store_id",
    "platform",
    "operation",
    "external_id",
    "attempt",
    "status",
    "delay",
    "code",
    "path",
    "operation_name",
    "query_hash",
)
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MAX_FIELD_CHARS = 1_000  # one request once wrote a 10-million-character line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(value: object, limit: int = MAX_FIELD_CHARS) -> str:
    """A log field: capped, with control characters escaped so no line can be forged."""
    text = str(value)
    cut = text[:limit]
    escaped = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), cut)
    return f"{escaped}…(+{len(text) - limit} chars)" if len(text) > limit else escaped


def ids_of(record: logging.LogRecord) -> None:
    """Give the record the request id and trace id of the code that logged it (the
    formatter runs in that code's context: our handlers are synchronous)."""
    if getattr(record, "request_id", None) is None:
        record.request_id = current_request_id.get()
    if getattr(record, "trace_id", None) is None:
        record.trace_id = current_trace_id()


class ContextFormatter(logging.Formatter):
    """`time level logger message key=value ...` with the context fields present on the record.

    The message and every field are capped and escaped; a traceback keeps its newlines."""

    def format(self, record: logging.LogRecord) -> str:
        # a copy: other handlers must see the record as logged.
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = clean(record.getMessage()), None
        ids_of(safe)
        line = super().format(safe)
        pairs = [
            f"{name}={clean(value)}"
            for name in CONTEXT_FIELDS
            if (value := getattr(safe, name, None)) is not None
        ]
        return f"{line} {' '.join(pairs)}" if pairs else line


FORMATTERS = {
    "text": "gateway.logs.ContextFormatter",
    "json": "gateway.telemetry.logs.JsonFormatter",
}


def log_config(level: str = "info", fmt: LogFormat = "text") -> dict[str, Any]:
    """One stream handler on the root logger with the context formatter, as a dictConfig:
    what uvicorn's worker processes apply (`serve --workers N`), since they never run ours."""
    return {
        "version": 1,
        "disable_existing_loggers": False,  # uvicorn's and ours propagate to the root handler
        "formatters": {"context": {"()": FORMATTERS[fmt], "fmt": LINE_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "context"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }


def configure_logging(level: str = "info", fmt: LogFormat = "text") -> None:
    """Root logging for the CLI: one stream handler with the context formatter (`json`:
    one JSON object per line).

    Not dictConfig: that closes every existing handler (pytest's, in tests calling main)."""
    handler = logging.StreamHandler()
    if fmt == "json":
        from gateway.telemetry.logs import JsonFormatter  # it builds on this module

        handler.setFormatter(JsonFormatter(LINE_FORMAT))
    else:
        handler.setFormatter(ContextFormatter(LINE_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
