"""Hostile HTTP and WebSocket input: size caps while streaming, typed 400s, never a 500."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiohttp
import pytest

from gateway.hardening import Hardening
from tests.helpers.hostile import hostile_gateway

KIB = 1024


@pytest.mark.parametrize(
    "body",
    [b"null", b'"query"', b"42", b"[]", b'[{"query": "{ __typename }"}]', b"\xff\xfe{", b"{"],
)
async def test_a_body_that_is_not_a_json_object_is_a_typed_400(body):
    async with hostile_gateway() as gw:
        status, answer = await gw.post(body)
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("name", [{"a": 1}, ["Q"], 5, True])
async def test_an_operation_name_that_is_not_a_string_is_a_typed_400(name):
    """Found by fuzzing: an object as `operationName` reached the metrics as INTERNAL."""
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": "query Q { __typename }", "operationName": name})
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def _raw_exchange(url: str, head: bytes, chunks: list[bytes]) -> bytes:
    """Send `head` then `chunks` on a raw socket while reading; returns what came back."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)

    async def write() -> None:
        try:
            writer.write(head)
            for chunk in chunks:
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass  # the server stopped reading: that is the point

    sender = asyncio.create_task(write())
    try:
        answer = await reader.read(64 * KIB)
    finally:
        sender.cancel()
        writer.close()
    return answer


async def test_a_declared_oversized_body_is_refused_before_any_byte_is_read():
    async with hostile_gateway() as gw:
        head = (
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10485760\r\n\r\n"
        )
        answer = await _raw_exchange(gw.url, head, [])  # the 10 MiB never comes
        async with aiohttp.ClientSession() as http, http.get(f"{gw.url}/healthz") as resp:
            assert resp.status == 200
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"code":"PAYLOAD_TOO_LARGE"' in answer


async def test_a_chunked_body_is_counted_while_streaming_and_refused_at_the_limit():
    async with hostile_gateway(Hardening(max_body_bytes=64 * KIB)) as gw:
        head = (
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (8 * KIB, b" " * (8 * KIB))
        answer = await _raw_exchange(gw.url, head, [chunk] * 1280)  # 10 MiB offered
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"code":"PAYLOAD_TOO_LARGE"' in answer


async def test_a_body_under_the_limit_still_works():
    async with hostile_gateway(Hardening(max_body_bytes=64 * KIB)) as gw:
        status, answer = await gw.post(
            {"query": "{ __typename }", "variables": {"pad": "x" * 1000}}
        )
    assert status == 200 and answer == {"data": {"__typename": "Query"}}


async def test_a_websocket_message_over_the_cap_closes_the_socket_with_1009():
    async with (
        hostile_gateway(Hardening(max_ws_message_bytes=16 * KIB)) as gw,
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{gw.url}/graphql", protocols=["graphql-transport-ws"]) as ws,
    ):
        await ws.send_json({"type": "connection_init"})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_str('{"type": "ping", "payload": "' + "x" * 20 * KIB + '"}')
        message = await ws.receive()
    assert message.type is aiohttp.WSMsgType.CLOSE
    assert message.data == 1009


async def test_a_subscription_over_post_is_a_typed_400_logged_at_info(caplog):
    caplog.set_level(logging.DEBUG)
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": "subscription { orderEvents { __typename } }"})
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in answer["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
