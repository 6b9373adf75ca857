"""Feeds API 2021-06-30, processed asynchronously: a feed document is uploaded (to the
"S3" URL `createFeedDocument` hands out), `createFeed` queues it, and a while later it is
DONE with an XML processing report naming what succeeded and what failed. The sandbox
processes POST_ORDER_ACKNOWLEDGEMENT_DATA (StatusCode Failure cancels an order) and
POST_PAYMENT_ADJUSTMENT_DATA (refunds of shipped merchant orders, `writes_refunds.py`)."""

from __future__ import annotations

import asyncio
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from platforms.amazon.sandbox.query import InvalidInput, Payload, sp_error
from platforms.amazon.sandbox.seed import AmazonState, stamp
from platforms.amazon.sandbox.writes_refunds import PaymentAdjustments
from platforms.sandbox.writes import WriteLog

FEEDS = "/feeds/2021-06-30"
UPLOADS = "/_s3/feeds"  # Amazon's presigned S3 URLs: not SP-API (neither counted nor faulted)
FEED_TYPES = ("POST_ORDER_ACKNOWLEDGEMENT_DATA", "POST_PAYMENT_ADJUSTMENT_DATA")
CANCELLABLE = {"PENDING", "UNSHIPPED", "PENDING_AVAILABILITY"}


def _report(feed_id: str, done: int, errors: list[tuple[str, str]]) -> str:
    """Amazon's XML processing report for a feed."""
    results = "".join(
        f"<Result><MessageID>{n}</MessageID><ResultCode>Error</ResultCode>"
        f"<ResultMessageCode>25</ResultMessageCode><ResultDescription>{text}</ResultDescription>"
        f"<AdditionalInfo><AmazonOrderID>{order}</AmazonOrderID></AdditionalInfo></Result>"
        for n, (order, text) in enumerate(errors, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02'
        "</DocumentVersion></Header><MessageType>ProcessingReport</MessageType><Message>"
        f"<MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>{feed_id}"
        "</DocumentTransactionID><StatusCode>Complete</StatusCode><ProcessingSummary>"
        f"<MessagesProcessed>{done + len(errors)}</MessagesProcessed>"
        f"<MessagesSuccessful>{done}</MessagesSuccessful>"
        f"<MessagesWithError>{len(errors)}</MessagesWithError><MessagesWithWarning>0"
        f"</MessagesWithWarning></ProcessingSummary>{results}</ProcessingReport></Message>"
        "</AmazonEnvelope>"
    )


class AmazonFeeds:
    """Feed documents, feeds and their asynchronous processing."""

    def __init__(
        self, state: AmazonState, log: WriteLog, now: Callable[[], datetime], delay: float = 0.2
    ) -> None:
        self.state = state
        self.log = log
        self._now = now
        self.delay = delay  # seconds from createFeed to DONE
        self.documents: dict[str, bytes] = {}
        self.feeds: dict[str, Payload] = {}
        self._ids = itertools.count(50001)
        self._tasks: set[asyncio.Task[None]] = set()
        self.refunds = PaymentAdjustments(state, log, now)

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the Feeds API and the upload URLs."""
        router.add_post(f"{FEEDS}/documents", self.create_document, name="createFeedDocument")
        router.add_get(f"{FEEDS}/documents/{{docId}}", self.get_document, name="getFeedDocument")
        router.add_post(f"{FEEDS}/feeds", self.create_feed, name="createFeed")
        router.add_get(f"{FEEDS}/feeds/{{feedId}}", self.get_feed, name="getFeed")
        router.add_put(f"{UPLOADS}/{{docId}}", self.upload)
        router.add_get(f"{UPLOADS}/{{docId}}", self.download)
        self.refunds.add_to(router)

    def _url(self, request: web.Request, doc_id: str) -> str:
        return f"{request.scheme}://{request.host}{UPLOADS}/{doc_id}"

    async def create_document(self, request: web.Request) -> web.Response:
        """A document id and the URL to PUT its content to."""
        body: Any = await request.json()
        if not isinstance(body, dict) or not body.get("contentType"):
            raise InvalidInput("contentType is required")
        doc_id = f"amzn1.tortuga.4.na.{next(self._ids)}"
        self.documents[doc_id] = b""
        return web.json_response(
            {"feedDocumentId": doc_id, "url": self._url(request, doc_id)}, status=201
        )

    async def upload(self, request: web.Request) -> web.Response:
        """The presigned PUT: the document's content."""
        doc_id = request.match_info["docId"]
        if doc_id not in self.documents:
            return web.Response(status=403, text="AccessDenied")
        self.documents[doc_id] = await request.read()
        return web.Response(status=200)

    async def download(self, request: web.Request) -> web.Response:
        """The presigned GET of a document (a processing report)."""
        content = self.documents.get(request.match_info["docId"])
        if content is None:
            return web.Response(status=403, text="AccessDenied")
        return web.Response(body=content, content_type="text/xml")

    async def get_document(self, request: web.Request) -> web.Response:
        """`getFeedDocument`: where to download a document."""
        doc_id = request.match_info["docId"]
        if doc_id not in self.documents:
            return sp_error(404, "NotFound", "The requested feed document was not found.")
        return web.json_response({"feedDocumentId": doc_id, "url": self._url(request, doc_id)})

    async def create_feed(self, request: web.Request) -> web.Response:
        """`createFeed`: queued (202); processed `delay` seconds later."""
        body: Any = await request.json()
        doc_id = body.get("inputFeedDocumentId") if isinstance(body, dict) else None
        if body.get("feedType") not in FEED_TYPES or doc_id not in self.documents:
            raise InvalidInput(f"feedType one of {', '.join(FEED_TYPES)} and an uploaded document")
        refused = self.log.refusal()
        if refused is not None:
            return sp_error(refused, "InternalFailure", "We encountered an internal error.")
        feed_id = str(next(self._ids))
        self.feeds[feed_id] = {
            "feedId": feed_id,
            "feedType": body["feedType"],
            "marketplaceIds": list(body.get("marketplaceIds") or []),
            "createdTime": stamp(self._now()),
            "processingStatus": "IN_QUEUE",
        }
        task = asyncio.get_running_loop().create_task(self._process(feed_id, str(doc_id)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        late = await self.log.record(f"feed:{feed_id}")
        if late is not None:
            return sp_error(late, "InternalFailure", "We encountered an internal error.")
        return web.json_response({"feedId": feed_id}, status=202)

    async def get_feed(self, request: web.Request) -> web.Response:
        """`getFeed`: its processing status (and, once DONE, its report's document id)."""
        feed = self.feeds.get(request.match_info["feedId"])
        if feed is None:
            return sp_error(404, "NotFound", "The requested feed was not found.")
        return web.json_response(feed)

    async def _process(self, feed_id: str, doc_id: str) -> None:
        feed = self.feeds[feed_id]
        await asyncio.sleep(self.delay / 2)
        feed["processingStatus"], feed["processingStartTime"] = "IN_PROGRESS", stamp(self._now())
        await asyncio.sleep(self.delay / 2)
        try:
            root = ET.fromstring(self.documents[doc_id])  # noqa: S314 (our own client's XML)
        except ET.ParseError:
            feed["processingStatus"] = "FATAL"
            return
        done, errors = self._apply(root)
        report = f"amzn1.tortuga.4.na.{next(self._ids)}"
        self.documents[report] = _report(feed_id, done, errors).encode()
        feed.update(
            processingStatus="DONE",
            processingEndTime=stamp(self._now()),
            resultFeedDocumentId=report,
        )

    def _apply(self, root: ET.Element) -> tuple[int, list[tuple[str, str]]]:
        """Every message of the feed: how many succeeded, and (order, problem) per failure."""
        done, errors = 0, []
        for message in root.iter("OrderAdjustment"):
            order_id = message.findtext("AmazonOrderID") or ""
            problem = self.refunds.adjust(order_id, message)
            if problem is None:
                done += 1
            else:
                errors.append((order_id, problem))
        for message in root.iter("OrderAcknowledgement"):
            order_id = message.findtext("AmazonOrderID") or ""
            problem = (
                self._cancel(order_id)
                if message.findtext("StatusCode") == "Failure"
                else "Only StatusCode Failure (cancel) is processed by this sandbox"
            )
            if problem is None:
                done += 1
            else:
                errors.append((order_id, problem))
        return done, errors

    def _cancel(self, order_id: str) -> str | None:
        order = self.state.orders.get(order_id)
        if order is None:
            return f"Order {order_id} was not found"
        status = order["fulfillment"]["fulfillmentStatus"]
        if order["fulfillment"]["fulfilledBy"] != "MERCHANT" or status not in CANCELLABLE:
            return f"Order {order_id} cannot be cancelled by the seller in status {status}"
        order["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
        order["lastUpdatedTime"] = stamp(self._now())
        for item in order["orderItems"]:
            item["cancellation"] = {
                "cancellationExecution": {
                    "cancelledBy": "MERCHANT",
                    "cancelReason": "Seller cancelled",
                }
            }
            item.setdefault("fulfillment", {})["quantityUnfulfilled"] = 0
        self.log.applied.append(f"cancel:{order_id}")
        self.log.announce("ORDER_CHANGE", order_id)
        return None
