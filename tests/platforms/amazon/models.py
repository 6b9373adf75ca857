"""Amazon's official OpenAPI models (tests/fixtures/realworld/amazon/models/, see SOURCES.md)
as a validator: enough of JSON Schema (types, required, properties, items, enum, $ref) to
check an answer's shape."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

MODELS = Path(__file__).resolve().parents[2] / "fixtures" / "realworld" / "amazon" / "models"
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


@cache
def model(name: str) -> dict[str, Any]:
    """One model file, parsed."""
    loaded: dict[str, Any] = json.loads(gzip.decompress((MODELS / f"{name}.gz").read_bytes()))
    return loaded


def response_schema(name: str, path: str, method: str, status: str = "200") -> dict[str, Any]:
    """The schema of an operation's answer."""
    schema: dict[str, Any] = model(name)["paths"][path][method]["responses"][status]["schema"]
    return schema


def problems(name: str, schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Where `value` breaks `schema` (resolved in model `name`); [] when it conforms."""
    if "$ref" in schema:
        definition = schema["$ref"].split("/")[-1]
        return problems(name, model(name)["definitions"][definition], value, where)
    kind = schema.get("type")
    if kind in _TYPES and (
        not isinstance(value, _TYPES[kind]) or (kind == "integer" and isinstance(value, bool))
    ):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in enum"]
    found: list[str] = []
    if isinstance(value, dict):
        found += [
            f"{where}.{key}: missing" for key in schema.get("required", []) if key not in value
        ]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                found += problems(name, sub, value[key], f"{where}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value.keys() - schema.get("properties", {}).keys():
                found += problems(name, extra, value[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(name, schema["items"], item, f"{where}[{index}]")
    return found
