"""The platform registry: one line per platform package; nothing else names platforms."""

from __future__ import annotations

import importlib

from platforms.adapter import PlatformSpec
from platforms.canonical import Platform
from platforms.errors import ConfigError

# Each module exports SPEC: PlatformSpec. Adding a platform = one line here.
_MODULES: dict[Platform, str] = {
    Platform.SHOPIFY: "platforms.shopify",
    Platform.WOOCOMMERCE: "platforms.woocommerce",
    Platform.MAGENTO: "platforms.magento",
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
