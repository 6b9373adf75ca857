"""`cartgraph export`: orders, products or customers since a time as JSON lines or CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

import orjson

from gateway.backfill import Outcome
from gateway.progress import Progress
from gateway.walk import Kind, Position, timed_fetch
from platforms.adapter import PlatformClient

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")


@dataclass(frozen=True)
class Target:
    """The output file and the checkpoint beside it (`<file>.checkpoint`)."""

    path: Path
    kind: Kind
    form: Format

    @property
    def checkpoint(self) -> Path:
        """Where the position is kept between runs."""
        return self.path.with_name(self.path.name + ".checkpoint")

    def position(self) -> Position:
        """The stored position, or a fresh start (an output without one is started over)."""
        if not self.checkpoint.exists():
            return Position()
        return Position.from_text(self.checkpoint.read_text(encoding="utf-8"))

    def save(self, position: Position) -> None:
        """Replace the checkpoint atomically (a crash leaves the old one or the new one)."""
        partial = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        partial.write_text(position.to_text(), encoding="utf-8")
        os.replace(partial, self.checkpoint)


def record(item: Any) -> dict[str, Any]:
    """The canonical object as JSON (its `raw` platform payload left out)."""
    data: dict[str, Any] = item.model_dump(mode="json", exclude={"raw"})
    return data


def csv_row(data: dict[str, Any]) -> dict[str, str]:
    """One level flattened (`total_price.amount`); lists and deeper objects as JSON text."""
    row: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
            for inner, part in value.items():
                row[f"{key}.{inner}"] = "" if part is None else str(part)
        elif isinstance(value, dict | list):
            row[key] = orjson.dumps(value).decode()
        else:
            row[key] = "" if value is None else str(value)
    return row


def render(items: list[Any], form: Format, header: bool) -> tuple[bytes, bool]:
    """The bytes of one page, and whether the CSV header is now written."""
    if form == "jsonl":
        return b"".join(orjson.dumps(record(i)) + b"\n" for i in items), header
    rows = [csv_row(record(i)) for i in items]
    if not rows:
        return b"", header
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), extrasaction="ignore")
    if not header:
        writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode(), True


async def export(
    client: PlatformClient,
    target: Target,
    since: datetime,
    *,
    page_size: int,
    progress: Progress,
    stop: asyncio.Event,
) -> Outcome:
    """Append each page to the file, then store the position with the file's length: a
    resumed run first cuts the file back to that length (a page written but not yet
    checkpointed is written again, never twice)."""
    position = target.position()
    progress.resume_at(position.done)
    walked = skipped = 0
    if position.finished:  # already complete: the file stays as it is
        return Outcome(0, 0, True)
    with _reopen(target.path, position.extra) as out:
        while not position.finished and not stop.is_set():
            page, cost = await timed_fetch(client, target.kind, since, position.cursor, page_size)
            body, _ = render(page.items, target.form, header=position.extra > 0)
            _write(out, body)
            position = position.after(page, extra=position.extra + len(body))
            target.save(position)
            walked, skipped = walked + len(page.items), skipped + len(page.errors)
            progress.advance(
                len(page.items),
                cost["calls"],
                position.estimate(since),
                units=cost["units"],
                seconds=cost["seconds"],
            )
    return Outcome(walked, walked, position.finished, skipped)


def _reopen(path: Path, length: int) -> BinaryIO:
    """The output cut back to what the checkpoint covers, positioned at its end."""
    out = open(path, "r+b" if length else "wb")  # noqa: SIM115 - the caller closes it
    out.truncate(length)
    out.seek(length)
    return out


def _write(out: BinaryIO, body: bytes) -> None:
    out.write(body)
    out.flush()
    os.fsync(out.fileno())  # on disk before the checkpoint says so
