"""JSON log lines (`[logging] format = "json"`): one object per line, same fields and caps."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from gateway.logs import CONTEXT_FIELDS, clean, ids_of

MAX_TRACEBACK_CHARS = 20_000  # a traceback is kept, not a megabyte of chained frames


class JsonFormatter(logging.Formatter):
    """`{"timestamp", "level", "logger", "message", request_id, trace_id, store_id, ...}`.

    The message and every field are capped and escaped exactly as in the text format
    (`gateway.logs.clean`), so a JSON line never holds more than a text line would; JSON
    escaping then keeps each record on one line. Fields absent from a record are left out."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": clean(record.getMessage()),
        }
        safe = logging.makeLogRecord(record.__dict__)  # other handlers see the record as logged
        ids_of(safe)
        for name in CONTEXT_FIELDS:
            value = getattr(safe, name, None)
            if value is not None:
                entry[name] = value if isinstance(value, int | float) else clean(value)
        if record.exc_info:
            entry["exception"] = _traceback(self.formatException(record.exc_info))
        return orjson.dumps(entry).decode()


def _timestamp(created: float) -> str:
    """RFC 3339 in UTC with milliseconds."""
    moment = datetime.fromtimestamp(created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _traceback(text: str) -> str:
    """Line by line escaped (a frame may quote hostile input), the newlines kept, capped."""
    lines = "\n".join(clean(line) for line in text[:MAX_TRACEBACK_CHARS].split("\n"))
    return lines if len(text) <= MAX_TRACEBACK_CHARS else f"{lines}\n…(cut)"
