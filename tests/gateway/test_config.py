"""Config validation: bad input names the bad key, and never echoes a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_config, parse_config, store_connections
from platforms.errors import ConfigError

GOOD = {
    "gateway": {"port": 9000},
    "stores": [
        {
            "id": "acme-us",
            "platform": "shopify",
            "url": "https://acme.myshopify.com/",
            "credentials": {"access_token": "env:ACME_TOKEN"},
        }
    ],
}


def test_valid_config_resolves_secrets_and_platform_defaults():
    config = parse_config(GOOD)
    [conn] = store_connections(config, environ={"ACME_TOKEN": "shpat_supersecret"})
    assert conn.credentials == {"access_token": "shpat_supersecret"}
    assert conn.api_version == "2025-07" and conn.base_url == "https://acme.myshopify.com"
    assert conn.rate_limit is not None and conn.rate_limit.capacity == 40
    assert "shpat_supersecret" not in repr(conn)
    assert config.stores[0].inventory_poll_interval_seconds == 300  # 0 switches it off


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"platform": "prestashop"}, "stores[0].platform"),
        ({"url": "acme.myshopify.com"}, "stores[0].url"),
        ({"inventory_poll_interval_seconds": -1}, "stores[0].inventory_poll_interval_seconds"),
        ({"id": "has space"}, "stores[0].id"),
        ({"credentials": {"access_token": "shpat_literal_secret"}}, "stores[0].credentials"),
        ({"surprise": 1}, "stores[0].surprise"),
        ({"rate_limit": {"capacity": -1, "leak_per_second": 2}}, "stores[0].rate_limit.capacity"),
    ],
)
def test_bad_store_config_names_the_key(patch, expected):
    bad = {"stores": [{**GOOD["stores"][0], **patch}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    assert expected in str(err.value)
    assert "shpat_literal_secret" not in str(err.value)


def test_missing_environment_variable_is_named():
    with pytest.raises(
        ConfigError, match=r"stores\[0\].credentials.access_token: environment variable ACME_TOKEN"
    ):
        store_connections(parse_config(GOOD), environ={})


def test_duplicate_store_ids_are_rejected():
    with pytest.raises(ConfigError, match="used twice"):
        parse_config({"stores": [GOOD["stores"][0], GOOD["stores"][0]]})


def test_missing_credential_names_the_platform_requirement():
    bad = {"stores": [{**GOOD["stores"][0], "credentials": {}}]}
    with pytest.raises(ConfigError, match=r"stores\[0\].credentials: missing access_token"):
        store_connections(parse_config(bad), environ={})


def test_file_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[gateway\nport = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
