"""In-process fan-out of appended events to live subscribers, each with a bounded buffer."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from platforms.errors import CartgraphError
from platforms.events import StoredEvent

DEFAULT_BUFFER = 1000
T = TypeVar("T")


class SubscriberTooSlowError(CartgraphError):
    """The subscriber's buffer filled up: it is disconnected instead of growing memory."""

    code = "SUBSCRIBER_TOO_SLOW"
    retryable = True


class Subscriber:
    """One live subscription: a bounded queue and the reason it was cut off, if it was."""

    def __init__(self, accepts: Callable[[StoredEvent], bool], buffer: int) -> None:
        self.accepts = accepts
        self.buffer = buffer
        self._queue: asyncio.Queue[StoredEvent] = asyncio.Queue(maxsize=buffer)
        self._wake = asyncio.Event()
        self.overflowed = False
        self.closed = False

    def offer(self, event: StoredEvent) -> None:
        """Queue an event; on overflow drop the whole buffer and mark the subscriber failed."""
        if self.overflowed or self.closed or not self.accepts(event):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self._queue.empty():  # free the memory now, not when it reads again
                self._queue.get_nowait()
        self._wake.set()

    async def next(self) -> StoredEvent:
        """The next event; SubscriberTooSlowError once the buffer has overflowed."""
        while True:
            if self.overflowed:
                raise SubscriberTooSlowError(
                    f"subscriber fell more than {self.buffer} events behind and was"
                    " disconnected; resubscribe with `after` set to the last cursor received"
                )
            if not self._queue.empty():
                return self._queue.get_nowait()
            self._wake.clear()
            await self._wake.wait()


class EventBus:
    """Publishes each appended event to every live subscriber whose filter accepts it."""

    def __init__(self, buffer: int = DEFAULT_BUFFER) -> None:
        self.buffer = buffer
        self._subscribers: set[Subscriber] = set()
        self.cut_offs = 0  # subscribers dropped for overflowing (a metric reads it)

    def subscribe(self, accepts: Callable[[StoredEvent], bool]) -> Subscriber:
        """A new subscriber; call `unsubscribe` when done."""
        subscriber = Subscriber(accepts, self.buffer)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop delivering to a subscriber."""
        subscriber.closed = True
        self._subscribers.discard(subscriber)

    def publish(self, events: Sequence[StoredEvent]) -> None:
        """Fan events out, in order, without awaiting any subscriber."""
        for subscriber in list(self._subscribers):
            for event in events:
                subscriber.offer(event)
            if subscriber.overflowed:
                self._subscribers.discard(subscriber)
                self.cut_offs += 1

    @property
    def subscriber_count(self) -> int:
        """Live subscribers (diagnostics, tests)."""
        return len(self._subscribers)


class EventViews:
    """What subscribers are sent for an event, built once and handed to every subscriber.

    The bus gives every live subscriber the same StoredEvent object, so its view is keyed on
    that object (and the builder) and dropped when the last subscriber lets go of the event.
    At 1,000 subscribers that is one payload validation and one object tree per event instead
    of 1,000 (fewer allocations also means fewer garbage-collector passes). Sharing is safe
    because nothing writes to these objects: resolvers only read them (the canonical models
    are frozen), and whatever differs per subscriber (which stores it may see, its loaders)
    comes from its own context. Each subscriber's filter has already run by then.
    """

    def __init__(self) -> None:
        self._views: dict[
            tuple[int, Callable[..., object]], tuple[weakref.ref[StoredEvent], object]
        ] = {}

    def get(self, event: StoredEvent, build: Callable[[StoredEvent], T]) -> T:
        """The view of `event` made by `build`, building it on first use."""
        key = (id(event), build)
        entry = self._views.get(key)
        if entry is not None and entry[0]() is event:
            return cast(T, entry[1])
        view = build(event)
        # the callback runs while the event is freed, so before its id can be reused
        ref = weakref.ref(event, lambda _: self._views.pop(key, None))
        self._views[key] = (ref, view)
        return view
