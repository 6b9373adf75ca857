"""`orders(...)` of stores whose platform is listed from a local mirror
(`PlatformSpec.synced_mirror`, e.g. Amazon): pages come from the order poller's mirror, and
the answer says how old they are. By-id reads stay live, and so do listings that select
personal data (the poller reads none, so the mirror holds none)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from platforms.adapter import OrderQuery, Page
from platforms.canonical import Order
from platforms.ratelimit import current_scope

if TYPE_CHECKING:
    from gateway.events.service import EventService

PREFIX = "mirror:"  # a mirror page's cursor; any other cursor continues a live listing


def _service(info: Any) -> EventService | None:
    request = getattr(info.context, "request", None)
    app = getattr(request, "app", None) if request is not None else None
    service: EventService | None = getattr(getattr(app, "state", None), "events", None)
    return service


class MirrorReads:
    """One request's mirror reads, and when each mirror it read was synced."""

    def __init__(self, info: Any) -> None:
        self._service = _service(info)
        self.synced: dict[str, datetime] = {}

    async def page(
        self, store_id: str, query: OrderQuery, cursor: str | None, limit: int
    ) -> Page[Order] | None:
        """The store's page from its mirror; None when it is listed live (not mirrored, no
        event service, not synced yet, or a live listing is being continued)."""
        mirror = self._service.mirrored(store_id) if self._service is not None else None
        if mirror is None or (cursor is not None and not cursor.startswith(PREFIX)):
            return None
        scope = current_scope.get()
        if scope is not None and scope.personal_data:
            return None  # the mirror holds no personal data: such a listing is read live
        synced = await mirror.synced_at(store_id)
        if synced is None:
            return None  # before the first sync: listed live, within the plan's burst
        self.synced[store_id] = synced
        offset = int(cursor[len(PREFIX) :]) if cursor else 0
        found = await mirror.page(store_id, query, offset, limit)
        after = None if found.next_offset is None else f"{PREFIX}{found.next_offset}"
        return Page(found.orders, after)

    @property
    def synced_at(self) -> datetime | None:
        """The oldest sync among the mirrors read (None: every store was read live)."""
        return min(self.synced.values(), default=None)

    @property
    def age_seconds(self) -> float | None:
        """How old the oldest mirrored data in the answer is, in seconds."""
        oldest = self.synced_at
        return None if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
