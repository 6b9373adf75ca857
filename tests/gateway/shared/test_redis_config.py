"""`[redis]`: validated like every secret-bearing setting, and wired into what `serve`
builds (each store's bucket, the caches, the event wake-ups, /readyz); absent, nothing
changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import _build_app
from gateway.config import parse_config, redis_url
from gateway.server import running
from gateway.shared.bucket import RedisBucket
from gateway.shared.cache import RedisTTLCache
from platforms.errors import ConfigError
from platforms.ratelimit import LeakyBucket

STORE = {
    "id": "shop",
    "platform": "shopify",
    "url": "https://shop.example.com",
    "credentials": {"access_token": "env:SHOP_TOKEN"},
    "poll_interval_seconds": 0,  # no upstream call at start: the store does not exist
    "inventory_poll_interval_seconds": 0,
}


def config(**redis: str) -> dict[str, object]:
    base: dict[str, object] = {"auth": {"mode": "off"}, "stores": [STORE]}
    return {**base, "redis": redis} if redis else base


def test_a_redis_url_or_a_reference_is_accepted() -> None:
    plain = parse_config(config(url="redis://127.0.0.1:6379/0"))
    referenced = parse_config(config(url="env:CG_REDIS", key_prefix="acme"))

    assert redis_url(plain) == "redis://127.0.0.1:6379/0"
    assert redis_url(referenced, environ={"CG_REDIS": "rediss://:pw@r:6380/1"}) == (
        "rediss://:pw@r:6380/1"
    )
    assert redis_url(parse_config(config())) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://:hunter2@127.0.0.1:6379/0", "literal secret"),
        ("http://127.0.0.1:6379", "redis:// URL"),
    ],
)
def test_a_literal_password_or_another_scheme_is_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_config(config(url=url))

    assert "redis.url" in str(caught.value) and "hunter2" not in str(caught.value)


async def served(data: dict[str, object]) -> tuple[object, object, object, object]:
    """What `serve` builds for `data`, started and stopped (lifespan): the store's bucket,
    caches and the event sink's wake-ups."""
    app, registry = _build_app(parse_config(data))
    handle = registry.get("shop")
    async with running(app):
        bucket = handle.client.transport.bucket  # type: ignore[attr-defined]
        return bucket, handle.products, handle.locations, app.state.events.sink.wakeups


async def test_serve_wires_redis_into_buckets_caches_and_events(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "shpat_x")
    data = {
        **config(url=redis_url, key_prefix=redis_prefix),
        "gateway": {"data_dir": str(tmp_path)},
    }
    data["cache"] = {"product_ttl_seconds": 30}
    bucket, products, locations, wakeups = await served(data)

    assert isinstance(bucket, RedisBucket)
    assert isinstance(products, RedisTTLCache) and isinstance(locations, RedisTTLCache)
    assert wakeups is not None


async def test_without_redis_each_process_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "shpat_x")
    bucket, products, locations, wakeups = await served(
        {**config(), "gateway": {"data_dir": str(tmp_path)}}
    )

    assert isinstance(bucket, LeakyBucket)
    assert not isinstance(products, RedisTTLCache) and not isinstance(locations, RedisTTLCache)
    assert wakeups is None
