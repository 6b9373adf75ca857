"""The platform registry: what a platform package registers (`PlatformSpec`) and one line per
platform package; nothing else names platforms."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from platforms.adapter import PlatformClient, RateLimitSettings, StoreConnection
from platforms.canonical import Order, Platform
from platforms.costs import CallCosts
from platforms.errors import ConfigError

if TYPE_CHECKING:
    import aiohttp

    from platforms.sandbox.kit import Sandbox
    from platforms.subscriptions import WebhookSubscriber
    from platforms.webhooks import WebhookAdapter
    from platforms.writes.commands import PlatformWriter

ClientFactory = Callable[[StoreConnection, "aiohttp.ClientSession | None"], PlatformClient]
SandboxFactory = Callable[..., "Sandbox"]
# builds a store's writer on top of its (one) client, sharing its transport and rate bucket.
WriterFactory = Callable[[PlatformClient], "PlatformWriter"]
RefundMarker = Callable[[Order], "str | None"]
# a stored order payload (`Order.raw`, kept with its event) through today's mapping.
OrderRemapper = Callable[[dict[str, Any], StoreConnection], Order]


@dataclass(frozen=True)
class PlatformSpec:
    """What a platform package registers: how to build its client and its sandbox."""

    platform: Platform
    display_name: str
    required_credentials: tuple[str, ...]
    create_client: ClientFactory
    create_sandbox: SandboxFactory
    default_api_version: str | None = None
    default_rate_limit: RateLimitSettings | None = None
    notes: Mapping[str, str] = field(default_factory=dict)
    # canonical fields ("Model.field") the platform's read API has no source for, each with
    # the reason; the contract suite checks that every other field is mapped.
    absent_fields: Mapping[str, str] = field(default_factory=dict)
    create_writer: WriterFactory | None = None
    # how the platform signs and shapes webhooks; None = no outbound webhooks (polling only).
    webhooks: WebhookAdapter | None = None
    # creates or repairs the store's webhook subscriptions through its own API
    # (`cartgraph webhooks sync`); None: they are set up by hand, or the platform has none.
    subscribe_webhooks: WebhookSubscriber | None = None
    # what the order payload shows of its refunds, as text that changes with every new refund
    # (ids, or a refunded total); None = the payload shows none. Drives REFUND_CREATED.
    refund_marker: RefundMarker | None = None
    # upstream calls per read, for the gateway's cost estimate (COST_LIMIT) before executing;
    # the default charges one call per object, so a new platform is never under-estimated.
    call_costs: CallCosts = field(default_factory=CallCosts)
    # the platform's other APIs, which a store selects with `options = { api = "<name>" }`
    # (Shopify: "rest"); the fields above describe the default API, these what differs.
    apis: Mapping[str, ApiDifferences] = field(default_factory=dict)
    # the name of the default API, as `apis` and the contract suite's ids name it
    default_api: str = "default"
    # the version of the platform's payload -> canonical mapping: bumped whenever a mapped
    # value changes meaning, so events record what produced them and `cartgraph events
    # remap` can re-derive history with the current mapping.
    mapping_version: str = "1"
    # re-maps an order payload stored with its event (`Order.raw`) with the current mapping,
    # so `cartgraph events remap` repairs events of refetched and polled orders too; None:
    # the platform's order events are listed as not re-derivable.
    remap_order: OrderRemapper | None = None
    # `orders(...)` is answered from a local mirror the order poller keeps (gateway/events/
    # mirror.py), for a platform whose rate plan cannot afford listing live (Amazon: one
    # searchOrders per 3 minutes); by-id reads stay live. None: orders are listed live.
    synced_mirror: SyncedMirror | None = None

    def api_names(self) -> tuple[str, ...]:
        """The default API's name, then the others'."""
        return (self.default_api, *self.apis)

    def for_api(self, name: str | None) -> PlatformSpec:
        """This spec as it describes one API (None or an unknown name: the default)."""
        other = self.apis.get(name or "")
        if other is None:
            return self
        return dataclasses.replace(
            self, absent_fields=other.absent_fields, call_costs=other.call_costs, apis={}
        )

    def for_connection(self, connection: StoreConnection) -> PlatformSpec:
        """This spec for the API the store's connection selects."""
        return self.for_api(connection.options.get("api"))


@dataclass(frozen=True)
class SyncedMirror:
    """How a mirrored platform's orders are kept: polled at most every `min_poll_seconds`
    (one token of the list operation's plan), whatever the store's poll interval says."""

    min_poll_seconds: float


@dataclass(frozen=True)
class ApiDifferences:
    """What another API of the platform has that differs from the default API's spec."""

    absent_fields: Mapping[str, str] = field(default_factory=dict)
    call_costs: CallCosts = field(default_factory=CallCosts)


# Each module exports SPEC: PlatformSpec. Adding a platform = one line here.
_MODULES: dict[Platform, str] = {
    Platform.SHOPIFY: "platforms.shopify",
    Platform.WOOCOMMERCE: "platforms.woocommerce",
    Platform.MAGENTO: "platforms.magento",
    Platform.AMAZON: "platforms.amazon",
    Platform.BIGCOMMERCE: "platforms.bigcommerce",
}


def get_spec(platform: Platform | str) -> PlatformSpec:
    """The registered spec for a platform, or a ConfigError naming the unknown platform."""
    try:
        module_name = _MODULES[Platform(platform)]
    except (ValueError, KeyError) as exc:
        known = ", ".join(p.value for p in _MODULES)
        raise ConfigError(f"Unknown platform {platform!r}; known: {known}") from exc
    spec: PlatformSpec = importlib.import_module(module_name).SPEC
    return spec


def all_specs() -> list[PlatformSpec]:
    """Every registered platform's spec, in registry order."""
    return [get_spec(p) for p in _MODULES]
