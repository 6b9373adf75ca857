"""compose.yaml and its deploy/ files agree with each other and with the gateway: the
config validates, 3 replicas sit behind one port, and the proxy routes by /readyz."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml  # PyYAML: installed with uvicorn[standard]

from gateway.config import parse_config, redis_url, storage_url

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_the_replicas_config_validates_with_storage_and_redis() -> None:
    path = ROOT / "deploy" / "cartgraph.toml"
    config = parse_config(tomllib.loads(path.read_text(encoding="utf-8")), source=str(path))
    env = {"CARTGRAPH_STORAGE_URL": "postgresql://cartgraph:pw@postgres:5432/cartgraph"}

    assert storage_url(config, environ=env) == env["CARTGRAPH_STORAGE_URL"]
    assert redis_url(config) == "redis://redis:6379/0"
    assert config.gateway.port == 8000


def test_three_replicas_of_the_image_behind_one_port() -> None:
    services = compose()["services"]
    gateway, proxy = services["gateway"], services["proxy"]
    mounts = [v.split(":")[1] for v in gateway["volumes"]]

    assert {"postgres", "redis", "gateway", "proxy"} <= set(services)
    assert gateway["deploy"]["replicas"] == 3 and gateway["build"] == "."
    assert "/etc/cartgraph/cartgraph.toml" in mounts  # the Dockerfile's CMD reads it
    assert "ports" not in gateway and proxy["ports"] == ["8000:8000"]


def test_the_proxy_routes_only_to_ready_replicas() -> None:
    haproxy = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")

    assert "uri /readyz" in haproxy and "expect status 200" in haproxy
    assert "server-template gateway 3 gateway:8000" in haproxy
    assert "hdr Host localhost" in haproxy  # a Host the config's allowed_hosts lists
