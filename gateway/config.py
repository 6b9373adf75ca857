"""Gateway configuration: a TOML file validated at start-up, secrets given by reference."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from gateway.auth.jwt import JwtConfig
from gateway.auth.principal import parse_scopes
from gateway.telemetry.settings import LoggingConfig, TelemetryConfig
from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.errors import ConfigError
from platforms.registry import get_spec

_POSTGRES = ("postgresql://", "postgres://")
_REDIS = ("redis://", "rediss://", "unix://")
StoreId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitConfig(_Strict):
    """A per-store override of the platform's default leaky bucket."""

    capacity: float = Field(gt=0)
    leak_per_second: float = Field(gt=0)


class StoreConfig(_Strict):
    """One store connection as written in the config file."""

    id: StoreId
    platform: Platform
    name: str | None = None
    url: str = Field(pattern=r"^https?://")
    api_version: str | None = None
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    credentials: dict[str, str] = Field(default_factory=dict)
    options: dict[str, str] = Field(default_factory=dict)
    rate_limit: RateLimitConfig | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=20)
    # how long the store may still apply a write after the gateway gave up on it (None: the
    # platform's figure); an in-doubt write is re-checked only after it.
    write_timeout_seconds: float | None = Field(default=None, gt=0)
    # the event feed's safety net: seconds between polls for changed orders (0 = off).
    poll_interval_seconds: float = Field(default=60.0, ge=0)
    # seconds between full stock polls (inventory events without webhooks; 0 = off).
    inventory_poll_interval_seconds: float = Field(default=300.0, ge=0)

    @field_validator("credentials")
    @classmethod
    def _references_only(cls, value: dict[str, str]) -> dict[str, str]:
        for key, ref in value.items():
            if not ref.startswith(("env:", "file:")):
                # a literal secret in a config file ends up in git and in backups.
                raise ValueError(
                    f"credential {key!r} must be a reference ('env:NAME' or 'file:/path'),"
                    " not a literal value"
                )
        return value


class CacheConfig(_Strict):
    """Short TTL caches for slow-changing reads; 0 turns a cache off."""

    product_ttl_seconds: float = Field(default=0.0, ge=0)
    location_ttl_seconds: float = Field(default=60.0, ge=0)
    max_entries: int = Field(default=10_000, ge=1)


class GatewaySettings(_Strict):
    """Server-wide settings."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: str = ".cartgraph"
    max_page_size: int = Field(default=100, ge=1, le=250)
    default_page_size: int = Field(default=50, ge=1, le=250)
    max_query_depth: int = Field(default=12, ge=2)
    # Host names this gateway answers to (DNS-rebinding defence); default: `host` when it
    # is a name, plus localhost/127.0.0.1/::1. "*" turns the check off (behind a proxy that
    # checks it already).
    allowed_hosts: list[str] | None = None
    cors_origins: list[str] = Field(default_factory=list)  # browser origins allowed to call
    graphiql: bool = True  # false in production: no IDE page
    introspection: bool = True  # false in production: __schema/__type refused
    # hostile input: bodies over this get 413 while streaming; socket messages over it 1009
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_ws_message_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_query_tokens: int = Field(default=5_000, ge=100)  # checked while parsing
    max_query_fields: int = Field(default=5_000, ge=10)  # with fragments expanded
    # only operations registered with `cartgraph documents add` run (APQ registration off)
    trusted_documents: bool = False
    # where the stores reach this gateway (behind its proxy), e.g. https://cartgraph.example:
    # `cartgraph webhooks sync` subscribes each store to <public_url>/webhooks/<store id>
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s?#]+$")


class PrivacyConfig(_Strict):
    """Personal-data switches: `customer_raw = false` empties the `raw` of customers."""

    customer_raw: bool = True


class ConfigKey(_Strict):
    """An API key given in the config file: the key itself only by env:/file: reference."""

    name: str = Field(min_length=1, max_length=100)
    key: str = Field(pattern=r"^(env|file):.+")
    stores: list[StoreId] | None = None  # None: every store
    scopes: list[str] = Field(min_length=1)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        parse_scopes(value)  # ValueError names the unknown scope
        return value


class AuthConfig(_Strict):
    """Who may call: `mode = "off"` serves everyone (a warning is logged at start)."""

    mode: Literal["keys", "off"] = "keys"
    keys: list[ConfigKey] = Field(default_factory=list)
    jwt: JwtConfig | None = None


class LimitsConfig(_Strict):
    """Upstream-cost budgets (`[limits]`): per request, and per caller (0 turns one off)."""

    max_upstream_calls_per_request: int = Field(default=250, ge=1)  # estimated: COST_LIMIT
    max_list_argument: int = Field(default=250, ge=1)  # ids, variantIds, storeIds...
    request_timeout_seconds: float = Field(default=30.0, ge=0)  # TIMEOUT; 0 = none
    requests_per_second: float = Field(default=20.0, ge=0)  # per caller: RATE_LIMITED
    request_burst: int = Field(default=40, ge=1)
    upstream_calls_per_minute: int = Field(default=1200, ge=0)  # per caller, estimated
    # open WebSockets, counted per process; over either cap a socket is closed with 1013
    max_ws_connections: int = Field(default=1000, ge=0)  # 0 = no cap
    max_ws_connections_per_key: int = Field(default=50, ge=0)


class StorageConfig(_Strict):
    """Where durable state lives (`[storage]`): no url keeps SQLite files under data_dir."""

    # postgresql://user@host:5432/db (password from PGPASSWORD or ~/.pgpass), or the whole
    # URL by reference ('env:NAME' / 'file:/path') when it carries a password.
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value.startswith(("env:", "file:")):
            return value
        if not value.startswith(_POSTGRES):
            raise ValueError("must be a postgresql:// URL or an 'env:'/'file:' reference")
        if urlsplit(value).password or "password=" in value:
            raise ValueError(
                "a password in the URL is a literal secret: give the URL as 'env:NAME' or"
                " 'file:/path', or the password in PGPASSWORD or ~/.pgpass"
            )
        return value


class RedisConfig(_Strict):
    """`[redis]`: what replicas share live (rate buckets, event wake-ups, caches); absent,
    each process keeps its own, as with one process."""

    # redis://host:6379/0 (rediss:// for TLS), or the whole URL by reference when it
    # carries a password ('env:NAME' / 'file:/path').
    url: str
    key_prefix: str = Field(default="cartgraph", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value.startswith(("env:", "file:")):
            return value
        if not value.startswith(_REDIS):
            raise ValueError("must be a redis:// URL or an 'env:'/'file:' reference")
        if urlsplit(value).password or "password=" in value:
            raise ValueError("a password in the URL is a literal secret: give it as 'env:NAME'")
        return value


class GatewayConfig(_Strict):
    """The whole configuration file."""

    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    redis: RedisConfig | None = None
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)  # /metrics, traces
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    stores: list[StoreConfig] = Field(default_factory=list)
    _source: str = PrivateAttr(default="config")  # the file, named by every later error

    @property
    def source(self) -> str:
        """Where this config was read from (its path), for error messages."""
        return self._source

    @field_validator("stores")
    @classmethod
    def _unique_ids(cls, value: list[StoreConfig]) -> list[StoreConfig]:
        seen: set[str] = set()
        for store in value:
            if store.id in seen:
                raise ValueError(f"store id {store.id!r} is used twice")
            seen.add(store.id)
        return value


def load_config(path: str | Path) -> GatewayConfig:
    """Read and validate a config file; ConfigError names the file and the bad key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(data, source=str(path))


def parse_config(data: Mapping[str, Any], *, source: str = "config") -> GatewayConfig:
    """Validate already-parsed config data; ConfigError lists every error, one per line."""
    try:
        config = GatewayConfig.model_validate(data)
    except ValidationError as exc:
        # pydantic's 'input' may be a credential reference's value: never echo inputs.
        problems = [f"{_dotted(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise _all_errors(source, problems) from None
    config._source = source
    return config


def _all_errors(source: str, problems: list[str]) -> ConfigError:
    if len(problems) == 1:
        return ConfigError(f"{source}: {problems[0]}")
    listed = "".join(f"\n  {problem}" for problem in problems)
    return ConfigError(f"{source}: {len(problems)} errors:{listed}")


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def resolve_secret(ref: str, *, where: str, environ: Mapping[str, str] | None = None) -> str:
    """Turn 'env:NAME' or 'file:/path' into the secret; ConfigError says which is missing."""
    env = os.environ if environ is None else environ
    kind, _, target = ref.partition(":")
    if kind == "env":
        value = env.get(target)
        if not value:
            raise ConfigError(f"{where}: environment variable {target} is not set")
        return value
    try:
        return Path(target).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read secret file {target}") from exc


def storage_url(config: GatewayConfig, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL URL of `[storage]` (references resolved), None for SQLite."""
    url = config.storage.url
    if url is None or url.startswith(_POSTGRES):
        return url
    resolved = resolve_secret(url, where="storage.url", environ=environ)
    if not resolved.startswith(_POSTGRES):
        raise ConfigError("storage.url: the referenced value is not a postgresql:// URL")
    return resolved


def redis_url(config: GatewayConfig, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis URL of `[redis]` (a reference resolved), None without Redis."""
    if config.redis is None:
        return None
    url = config.redis.url
    if url.startswith(("env:", "file:")):
        url = resolve_secret(url, where="redis.url", environ=environ)
        if not url.startswith(_REDIS):
            raise ConfigError("redis.url: the referenced value is not a redis:// URL")
    return url


def store_connections(
    config: GatewayConfig, *, environ: Mapping[str, str] | None = None
) -> list[StoreConnection]:
    """Resolve every store's secrets and platform defaults into connections.

    ConfigError names the config file and lists every store's problem, not only the first."""
    connections: list[StoreConnection] = []
    problems: list[str] = []
    for index, store in enumerate(config.stores):
        try:
            connections.append(_connection(index, store, environ))
        except ConfigError as exc:
            problems.extend(str(exc).splitlines())
    if problems:
        raise _all_errors(config.source, problems)
    return connections


def _connection(
    index: int, store: StoreConfig, environ: Mapping[str, str] | None
) -> StoreConnection:
    spec = get_spec(store.platform)
    where = f"stores[{index}]"
    problems = [
        f"{where}.credentials: missing {key} for {spec.display_name}"
        for key in spec.required_credentials
        if key not in store.credentials
    ]
    credentials: dict[str, str] = {}
    for key, ref in store.credentials.items():
        try:
            credentials[key] = resolve_secret(
                ref, where=f"{where}.credentials.{key}", environ=environ
            )
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    limit = store.rate_limit
    return StoreConnection(
        store_id=store.id,
        platform=store.platform,
        base_url=store.url.rstrip("/"),
        name=store.name or store.id,
        currency_code=store.currency,
        api_version=store.api_version or spec.default_api_version,
        credentials=credentials,
        options=dict(store.options),
        rate_limit=(
            RateLimitSettings(limit.capacity, limit.leak_per_second)
            if limit
            else spec.default_rate_limit
        ),
        timeout_seconds=store.timeout_seconds,
        max_attempts=store.max_attempts,
        write_timeout_seconds=store.write_timeout_seconds,
    )
