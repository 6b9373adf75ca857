"""`cartgraph keys …` and `serve` refusing to open a door that has no lock."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gateway.auth.keys import KeyStore
from gateway.auth.setup import build_gate
from gateway.cli import main
from gateway.config import parse_config
from platforms.errors import ConfigError

STORE = """
[[stores]]
id = "shop-a"
platform = "shopify"
url = "http://127.0.0.1:1"
credentials = { access_token = "env:CG_TEST_SHOP_TOKEN" }
"""


def _config(tmp: Path, extra: str = "") -> Path:
    path = tmp / "cartgraph.toml"
    path.write_text(f'[gateway]\ndata_dir = "{tmp / "data"}"\n{extra}\n{STORE}', encoding="utf-8")
    return path


def test_serve_refuses_to_start_without_any_credential(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CG_TEST_SHOP_TOKEN", "shpat_x")
    assert main(["serve", "--config", str(_config(tmp_path)), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "no API key" in err and "cartgraph keys create" in err and 'mode = "off"' in err


def test_keys_create_list_revoke(tmp_path, capsys) -> None:
    config = str(_config(tmp_path))
    assert (
        main(
            [
                "keys",
                "create",
                "--config",
                config,
                "--name",
                "oms",
                "--stores",
                "shop-a",
                "--scopes",
                "read,write:inventory",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("cg_") and len(key.split("_", 2)[2]) >= 43  # >= 256 bits, base64url
    assert "only time" in err
    assert main(["keys", "list", "--config", config]) == 0
    listing = capsys.readouterr().out
    assert (
        "oms" in listing and "stores=shop-a" in listing and "scopes=read,write:inventory" in listing
    )
    assert (
        key not in listing and key.split("_", 2)[2] not in listing
    )  # the secret is never shown again
    stored = (tmp_path / "data" / "auth.sqlite3").read_bytes()
    assert key.encode() not in stored  # only its hash is kept
    key_id = key.split("_")[1]
    assert main(["keys", "revoke", "--config", config, key_id]) == 0
    assert "revoked" in main_out(capsys, ["keys", "list", "--config", config])
    assert main(["keys", "revoke", "--config", config, key_id]) == 1


def main_out(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    main(argv)
    return capsys.readouterr().out


def test_keys_create_refuses_unknown_scopes_and_stores(tmp_path, capsys) -> None:
    config = str(_config(tmp_path))
    assert main(["keys", "create", "--config", config, "--name", "x", "--scopes", "read,root"]) == 2
    assert "unknown scope 'root'" in capsys.readouterr().err
    assert (
        main(
            [
                "keys",
                "create",
                "--config",
                config,
                "--name",
                "x",
                "--stores",
                "shop-zz",
                "--scopes",
                "read",
            ]
        )
        == 2
    )
    assert "shop-zz" in capsys.readouterr().err


async def test_a_created_key_opens_the_gate_and_a_revoked_one_does_not(tmp_path) -> None:
    store = KeyStore.in_data_dir(tmp_path)
    stored, key = store.create("oms", ["shop-a"], [])
    gate = build_gate(parse_config({}).auth, tmp_path)  # finds the key in the data dir
    principal = await gate.principal(key)
    assert principal is not None and principal.store_ids == frozenset({"shop-a"})
    assert await gate.principal(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    store.revoke(stored.id)
    with pytest.raises(ConfigError, match="no API key"):
        build_gate(parse_config({}).auth, tmp_path)  # the only key is revoked: no lock left


def test_config_keys_only_by_reference_and_off_mode_warns(tmp_path, caplog) -> None:
    literal = {"name": "x", "key": "cg_abc_literal", "scopes": ["read"]}
    with pytest.raises(ConfigError, match=r"auth.keys\[0\].key"):
        parse_config({"auth": {"keys": [literal]}})
    with caplog.at_level(logging.WARNING, logger="cartgraph.auth"):
        gate = build_gate(parse_config({"auth": {"mode": "off"}}).auth, tmp_path)
    assert gate.off and "authentication is OFF" in caplog.text


async def test_config_key_by_env_reference(tmp_path) -> None:
    key = "cg_feedfacecafe_" + "s" * 43
    config = parse_config(
        {
            "auth": {
                "keys": [
                    {"name": "ci", "key": "env:CG_K", "stores": ["shop-a"], "scopes": ["read"]}
                ]
            }
        }
    )
    gate = build_gate(config.auth, tmp_path, environ={"CG_K": key})
    principal = await gate.principal(key)
    assert principal is not None and principal.name == "ci" and principal.key_id == "feedfacecafe"
    with pytest.raises(ConfigError, match="CG_K"):
        build_gate(config.auth, tmp_path, environ={})
