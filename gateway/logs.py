"""Log formatting: every line about an upstream call names its store, platform and attempt."""

from __future__ import annotations

import logging

# Context fields the transport and workers attach with `extra=`; never credentials.
CONTEXT_FIELDS = ("store_id", "platform", "operation", "external_id", "attempt", "status", "delay")


class ContextFormatter(logging.Formatter):
    """`time level logger message key=value ...` with the context fields present on the record."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [
            f"{name}={value}"
            for name in CONTEXT_FIELDS
            if (value := getattr(record, name, None)) is not None
        ]
        return f"{line} {' '.join(pairs)}" if pairs else line


def configure_logging(level: str = "info") -> None:
    """Root logging for the CLI: one stream handler with the context formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(ContextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
