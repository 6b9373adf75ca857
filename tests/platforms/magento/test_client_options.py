"""MagentoClient's connection options over a real socket: token, store code, MSI, call count."""

from __future__ import annotations

import dataclasses

import pytest

from platforms.errors import ConfigError, NotFoundError
from platforms.magento.client import MagentoClient
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.magento.writes.writer import create_writer
from platforms.writes.commands import SetInventory

SOURCES = "GET /rest/{store_code}/V1/inventory/sources"


def _client(sandbox: MagentoSandbox, base_url: str, **options: str) -> MagentoClient:
    conn = sandbox.connection("mg", base_url)
    return MagentoClient(dataclasses.replace(conn, options={**conn.options, **options}))


def test_missing_token_is_a_config_error(sandbox: MagentoSandbox) -> None:
    conn = dataclasses.replace(sandbox.connection("mg", "http://127.0.0.1:9"), credentials={})
    with pytest.raises(ConfigError, match="needs 'access_token'"):
        MagentoClient(conn)


async def test_store_code_names_the_api_root(sandbox: MagentoSandbox, base_url: str) -> None:
    known, unknown = _client(sandbox, base_url), _client(sandbox, base_url, store_code="nope")
    try:
        assert set(await known.get_orders(["1"])) == {"1"}
        with pytest.raises(NotFoundError):  # the sandbox has no store view "nope"
            await unknown.get_orders(["1"])
        assert "store_code='nope'" in repr(unknown)
    finally:
        await known.aclose()
        await unknown.aclose()


async def test_msi_option_skips_detection(sandbox: MagentoSandbox, base_url: str) -> None:
    told, detecting = _client(sandbox, base_url, msi="false"), _client(sandbox, base_url)
    try:
        sandbox.calls.reset()
        assert [loc.external_id for loc in await told.list_locations()] == ["default"]
        assert told.inline_stock and sandbox.calls.total == 0
        await detecting.list_locations()
        assert not detecting.inline_stock and sandbox.calls.by_route == {SOURCES: 1}
    finally:
        await told.aclose()
        await detecting.aclose()


async def test_calls_counts_reads_and_writes_on_one_transport(
    sandbox: MagentoSandbox, base_url: str
) -> None:
    client = _client(sandbox, base_url)
    try:
        sandbox.calls.reset()
        await client.get_orders(["1", "2"])
        assert client.calls == sandbox.calls.total == 1
        writer = create_writer(client)
        command = SetInventory(variant_id="5", location_id="default", available=3)
        checkpoint = await writer.prepare(command, operation_key="k1")
        await writer.execute(command, operation_key="k1", checkpoint=checkpoint)
        assert client.calls == sandbox.calls.total > 1  # the writer's calls count too
    finally:
        await client.aclose()
