"""Connection plumbing shared by list queries: PageInfo, argument checks, partial store errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

import strawberry

from platforms.adapter import Page, PlatformClient
from platforms.errors import InvalidInputError
from resolvers.pagination import MergedPage, fingerprint, merged_page


class _Dated(Protocol):
    @property
    def updated_at(self) -> datetime | None: ...


T = TypeVar("T", bound=_Dated)
ClientFetch = Callable[[PlatformClient, str | None, int], Awaitable[Page[T]]]


@strawberry.type(description="Where a page of a connection stands.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether `after: endCursor` gives more.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge on this page.")


async def paginate(
    info: strawberry.Info,
    store_ids: list[strawberry.ID] | None,
    first: int | None,
    after: str | None,
    fetch: ClientFetch[T],
    query: object,
) -> MergedPage[T]:
    """Validate arguments, merge the stores' pages, and report failed stores and unmappable
    payloads as partial errors."""
    ctx = info.context
    limits = ctx.limits
    size = limits.default_page_size if first is None else first
    if not 1 <= size <= limits.max_page_size:
        raise InvalidInputError(f"`first` must be between 1 and {limits.max_page_size}, got {size}")
    handles = ctx.stores(None if store_ids is None else [str(s) for s in store_ids])
    by_id = {h.connection.store_id: h for h in handles}

    async def fetch_store(store_id: str, cursor: str | None, limit: int) -> Page[T]:
        return await fetch(by_id[store_id].client, cursor, limit)

    def page_size(store_id: str) -> int:
        return min(size, int(by_id[store_id].client.max_page_size))

    page = await merged_page(
        list(by_id),
        size,
        after,
        fetch_store,
        lambda item: item.updated_at,
        page_size,
        fingerprint(type(query).__name__, query, sorted(by_id)),
    )
    path = info.path.as_list()
    for error in [*page.errors.values(), *page.item_errors]:
        ctx.add_partial_error(error, path)
    return page
