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
    assert conn.api_version == "2026-10" and conn.base_url == "https://acme.myshopify.com"
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


def test_every_validation_error_is_listed_not_only_the_first():
    bad = {"gateway": {"port": -1}, "stores": [{**GOOD["stores"][0], "url": "x", "surprise": 1}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad, source="cartgraph.toml")
    assert str(err.value).splitlines() == [
        "cartgraph.toml: 3 errors:",
        "  gateway.port: Input should be greater than or equal to 0",
        "  stores[0].url: String should match pattern '^https?://'",
        "  stores[0].surprise: Extra inputs are not permitted",
    ]


def test_secret_errors_name_the_file_and_every_store_problem(tmp_path: Path):
    path = tmp_path / "cartgraph.toml"
    path.write_text(
        '[[stores]]\nid = "a"\nplatform = "shopify"\nurl = "https://a.example"\n'
        'credentials = { access_token = "env:UNSET_TOKEN" }\n'
        '[[stores]]\nid = "b"\nplatform = "woocommerce"\nurl = "https://b.example"\n'
        f'credentials = {{ consumer_key = "file:{tmp_path / "missing"}" }}\n'
    )
    with pytest.raises(ConfigError) as err:
        store_connections(load_config(path), environ={})
    assert str(err.value).splitlines() == [
        f"{path}: 3 errors:",
        "  stores[0].credentials.access_token: environment variable UNSET_TOKEN is not set",
        "  stores[1].credentials: missing consumer_secret for WooCommerce",
        f"  stores[1].credentials.consumer_key: cannot read secret file {tmp_path / 'missing'}",
    ]
