"""Feeds API 2021-06-30 client (the writes send cancellations and refunds through it):
upload the XML document, create the feed (one attempt), poll `getFeed` until processing
ends, and read the processing report's verdict.

The feed's id is saved into the write's checkpoint as soon as Amazon answers `createFeed`
(`save_progress`), and the stage before it (`FEED_STAGE`): an attempt that dies, times out or
loses a poll later is reconciled by following that same feed to its report, never by sending
a second one; only a `createFeed` whose answer was lost leaves the outcome unknown.

Under the queue the write does not hold a worker while Amazon processes the feed: each poll
that finds it unfinished parks the write (`wait_or_park`) for `feed_poll_seconds` (default
30), up to `feed_wait_seconds` (default 3600) after `createFeed`; its resource key
(`order:<id>`) keeps the order's next write waiting behind it meanwhile.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from platforms.amazon.rest import Payload
from platforms.errors import PayloadError, UpstreamTimeoutError
from platforms.writes.commands import Checkpoint, WriteRefusedError
from platforms.writes.progress import save_progress, wait_or_park

if TYPE_CHECKING:
    from platforms.amazon.client import AmazonClient

FEEDS = "/feeds/2021-06-30"
FINISHED = ("DONE", "CANCELLED", "FATAL")
# the checkpoint's record of how far a feed write got: uploading (no feed can exist yet),
# then creating (createFeed sent), then FEED_ID once Amazon named the feed
FEED_STAGE, UPLOADING, CREATING, FEED_ID = "feed_stage", "uploading", "creating", "feed_id"
CREATED_AT = "feed_created_at"  # wall-clock seconds: the wait for the report outlives a restart


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


def feed_sent(checkpoint: Checkpoint) -> str | bool:
    """What an earlier attempt left: the feed's id; False when it stopped before
    `createFeed` (no feed can exist); True otherwise: it sent `createFeed` and lost the
    answer, or saved no record at all (an older job), so a feed may exist."""
    if checkpoint.get(FEED_ID):
        return str(checkpoint[FEED_ID])
    return checkpoint.get(FEED_STAGE) != UPLOADING


async def submit_feed(
    client: AmazonClient, job: FeedJob, content: bytes, checkpoint: Checkpoint
) -> Payload:
    """The processed feed (DONE, its report without errors); WriteRefusedError with the
    report's errors otherwise. An earlier attempt's feed (its id in `checkpoint`) is
    followed instead of sending another."""
    earlier = feed_sent(checkpoint)
    if isinstance(earlier, str):
        return await follow_feed(client, earlier, job, checkpoint.get(CREATED_AT))
    await save_progress({FEED_STAGE: UPLOADING})
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
    await save_progress({FEED_STAGE: CREATING})
    created = await client._json(
        "POST", f"{FEEDS}/feeds", "createFeed", body=body, external_id=job.order_id, once=True
    )
    feed_id, created_at = str(created["feedId"]), time.time()
    await save_progress({FEED_ID: feed_id, CREATED_AT: created_at})
    return await follow_feed(client, feed_id, job, created_at)


async def follow_feed(
    client: AmazonClient, feed_id: str, job: FeedJob, created_at: object = None
) -> Payload:
    """The feed once processed, if its report shows no error; WriteRefusedError naming the
    report's first error otherwise."""
    feed = await _finished(client, feed_id, job, created_at)
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


async def _finished(
    client: AmazonClient, feed_id: str, job: FeedJob, created_at: object
) -> Payload:
    """Poll `getFeed` until processing ends (the write is in flight until then)."""
    options = client.connection.options
    poll = float(options.get("feed_poll_seconds", "30"))
    since = created_at if isinstance(created_at, int | float) else time.time()
    deadline = since + float(options.get("feed_wait_seconds", "3600"))
    while True:
        feed = await client._json(
            "GET", f"{FEEDS}/feeds/{feed_id}", "getFeed", external_id=job.order_id
        )
        if feed.get("processingStatus") in FINISHED:
            return feed
        if time.time() > deadline:
            raise UpstreamTimeoutError(
                f"Amazon feed {feed_id} still {feed.get('processingStatus')}",
                store_id=client.connection.store_id,
                platform="amazon",
                operation=job.operation,
                external_id=job.order_id,
            )
        status = feed.get("processingStatus")
        await wait_or_park(poll, f"Amazon feed {feed_id} is {status}")


async def _report(client: AmazonClient, feed: Payload) -> list[str]:
    if feed.get("processingStatus") != "DONE" or not feed.get("resultFeedDocumentId"):
        return [f"feed processing ended {feed.get('processingStatus')}"]
    doc = await client._json(
        "GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", "getFeedDocument"
    )
    return report_errors(await client.download(str(doc["url"])))
