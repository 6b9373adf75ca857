"""Feeds API 2021-06-30 client (the writes send cancellations and refunds through it):
upload the XML document, create the feed (one attempt), poll `getFeed` until processing
ends, and read the processing report's verdict.

The write holds its queue slot while it polls (one of the queue's `concurrency` slots,
default 32, for `feed_poll_seconds`, default 30, up to `feed_wait_seconds`, default 3600): the
job stays RUNNING and in doubt for the whole wait, and its resource key (`order:<id>`) keeps
the order's next write waiting behind it. A process that dies mid-wait is recovered by
`reconcile`: a cancellation reads the order's status; a refund cannot be told from the
Orders API and is quarantined OUTCOME_UNKNOWN, never re-sent. Releasing the slot between
polls needs what the queue does not have: a parked job status with its own `next_attempt_at`,
the feed id saved into the checkpoint after `createFeed` (the runner saves a checkpoint only
before `execute`), and a writer hook that resumes from `getFeed` on a later claim; that is a
change to gateway/writes (model, queue, runner, both stores), not to this module.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from platforms.amazon.rest import Payload
from platforms.errors import PayloadError, UpstreamTimeoutError
from platforms.writes.commands import WriteRefusedError

if TYPE_CHECKING:
    from platforms.amazon.client import AmazonClient

FEEDS = "/feeds/2021-06-30"
FINISHED = ("DONE", "CANCELLED", "FATAL")


def report_errors(content: bytes) -> list[str]:
    """The processing report's error descriptions (none: every message succeeded)."""
    try:
        root = ET.fromstring(content)  # noqa: S314 (Amazon's report, entity-free XML)
    except ET.ParseError as exc:
        raise PayloadError("Amazon's feed processing report is not XML") from exc
    if root.find(".//ProcessingSummary") is None:
        raise PayloadError("Amazon's feed processing report has no summary")
    return [
        (r.findtext("ResultDescription") or "error")[:200]
        for r in root.iter("Result")
        if r.findtext("ResultCode") == "Error"
    ]


@dataclass(frozen=True)
class FeedJob:
    """One feed for one order: what it is, for errors and the report's refusal."""

    feed_type: str
    marketplace: str
    order_id: str
    operation: str  # cancel_order, create_refund
    what: str  # "cancellation", "refund"


async def submit_feed(client: AmazonClient, job: FeedJob, content: bytes) -> Payload:
    """The processed feed (DONE, its report without errors); WriteRefusedError with the
    report's errors otherwise."""
    doc = await client._json(
        "POST",
        f"{FEEDS}/documents",
        "createFeedDocument",
        body={"contentType": "text/xml; charset=UTF-8"},
    )
    await client.upload(str(doc["url"]), content)
    body = {
        "feedType": job.feed_type,
        "marketplaceIds": [job.marketplace],
        "inputFeedDocumentId": doc["feedDocumentId"],
    }
    created = await client._json(
        "POST", f"{FEEDS}/feeds", "createFeed", body=body, external_id=job.order_id, once=True
    )
    feed = await _finished(client, str(created["feedId"]), job)
    errors = await _report(client, feed)
    if errors:
        raise WriteRefusedError(
            f"Amazon's processing report refused the {job.what}: {errors[0]}",
            details={"feed_id": feed["feedId"], "errors": errors},
            store_id=client.connection.store_id,
            platform="amazon",
            operation=job.operation,
            external_id=job.order_id,
        )
    return feed


async def _finished(client: AmazonClient, feed_id: str, job: FeedJob) -> Payload:
    """Poll `getFeed` until processing ends (the write is in flight until then)."""
    options = client.connection.options
    poll = float(options.get("feed_poll_seconds", "30"))
    deadline = time.monotonic() + float(options.get("feed_wait_seconds", "3600"))
    while True:
        feed = await client._json(
            "GET", f"{FEEDS}/feeds/{feed_id}", "getFeed", external_id=job.order_id
        )
        if feed.get("processingStatus") in FINISHED:
            return feed
        if time.monotonic() > deadline:
            raise UpstreamTimeoutError(
                f"Amazon feed {feed_id} still {feed.get('processingStatus')}",
                store_id=client.connection.store_id,
                platform="amazon",
                operation=job.operation,
                external_id=job.order_id,
            )
        await asyncio.sleep(poll)


async def _report(client: AmazonClient, feed: Payload) -> list[str]:
    if feed.get("processingStatus") != "DONE" or not feed.get("resultFeedDocumentId"):
        return [f"feed processing ended {feed.get('processingStatus')}"]
    doc = await client._json(
        "GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", "getFeedDocument"
    )
    return report_errors(await client.download(str(doc["url"])))
