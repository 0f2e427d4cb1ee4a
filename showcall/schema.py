"""Provides the JSON Schemas of showcall's files, for editor completion and validation while typing.

`showcall schema` prints the show file's; `--for include` an included file's (devices, departments,
packs); `--for profile` a device profile's. Each comes from the pydantic models, with what the
models cannot say added back: a `use:` entry wherever a cue may stand, the `<device>.<verb>` form
of an action's key, defaults written the way a show file writes them, numbers accepted where
YAML readers write text as numbers (`id: 12`), and names limited to their patterns.

The schemas declare JSON Schema draft-07, which editors' YAML language servers validate with;
the `$defs` they use are plain JSON pointers to those validators.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from showcall import __version__
from showcall.model.profile import Profile
from showcall.model.show import (
    CUE_ID_PATTERN,
    DEPT_PATTERN,
    DEVICE_VERB,
    NAME_PATTERN,
    IncludeFile,
    PackUse,
    ShowFile,
)

Kind = Literal["show", "include", "profile"]
SCHEMA_IDS = {
    "show": "https://showcall.dev/schema/show-1.json",
    "include": "https://showcall.dev/schema/include-1.json",
    "profile": "https://showcall.dev/schema/profile-1.json",
}
_TITLES = {
    "show": "showcall show file",
    "include": "showcall included file (devices, departments, packs)",
    "profile": "showcall device profile",
}
_MODELS: dict[str, type[BaseModel]] = {"show": ShowFile, "include": IncludeFile, "profile": Profile}
_TEXT = {"type": ["string", "number"]}


def schema(kind: Kind = "show") -> dict[str, Any]:
    """The JSON Schema of a show file, an included file, or a device profile."""
    model = _MODELS[kind]
    body = model.model_json_schema(by_alias=True)
    defs = body.setdefault("$defs", {})
    if kind in {"show", "include"}:
        _cue_forms(body, defs)
        _named_sections(body)
    _defaults(defs)
    _numbers_as_text(body)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_IDS[kind],
        "title": _TITLES[kind],
        "description": f"{_TITLES[kind]} (format 1), from showcall {__version__}",
        **{k: v for k, v in body.items() if k not in {"title", "description"}},
    }


def _cue_forms(body: dict[str, Any], defs: dict[str, Any]) -> None:
    use = PackUse.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs.update(use.pop("$defs", {}))
    defs["PackUse"] = use
    entry = {"anyOf": [{"$ref": "#/$defs/Cue"}, {"$ref": "#/$defs/PackUse"}]}
    if "cues" in body.get("properties", {}):
        _replace_cue_items(body["properties"]["cues"], entry)
    if "Segment" in defs:
        _replace_cue_items(defs["Segment"]["properties"]["cues"], entry)
    for model in ("Cue", "Segment"):
        if model in defs:
            defs[model]["properties"]["id"] = {
                "anyOf": [{"type": "string", "pattern": CUE_ID_PATTERN}, {"type": "number"}],
                "description": defs[model]["properties"]["id"].get("description", "Id"),
            }
    if "Pack" in defs:
        defs["Pack"]["properties"]["cues"]["items"] = {
            "type": "object",
            "description": "A cue template: a cue (or a use:) whose strings may hold {param} placeholders",
        }
    if "DeviceAction" in defs:
        # one key, `<device>.<verb>`: otherwise every raw osc:/midi:/msc: action would match it too
        defs["DeviceAction"].update(
            {"propertyNames": {"pattern": DEVICE_VERB.pattern}, "minProperties": 1, "maxProperties": 1}
        )


def _named_sections(body: dict[str, Any]) -> None:
    patterns = {"devices": NAME_PATTERN, "packs": NAME_PATTERN, "departments": DEPT_PATTERN}
    for section, pattern in patterns.items():
        prop = body.get("properties", {}).get(section)
        if prop is not None:
            prop["propertyNames"] = {"pattern": pattern}
            prop["additionalProperties"] = False


def _defaults(defs: dict[str, Any]) -> None:
    info = defs.get("ShowInfo", {}).get("properties", {})
    if "go_guard" in info:
        info["go_guard"]["default"] = "250ms"
    if "fps" in info:
        info["fps"]["default"] = 30
    for model in defs.values():
        for prop in model.get("properties", {}).values():
            default = prop.get("default")
            if isinstance(default, dict) and set(default) == {"ns", "text"}:
                prop["default"] = default["text"]  # a Duration default, as a show file writes it


def _numbers_as_text(node: Any) -> None:
    """Text fields accept numbers (`label: 2026`, `venue: 54`) as the loader does."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "pattern" not in node and "enum" not in node and "const" not in node:
            node["type"] = _TEXT["type"]
        for value in node.values():
            _numbers_as_text(value)
    elif isinstance(node, list):
        for value in node:
            _numbers_as_text(value)


def _replace_cue_items(prop: dict[str, Any], entry: dict[str, Any]) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "array":
            option["items"] = entry


def schema_text(kind: Kind = "show") -> str:
    """The schema as indented JSON text."""
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"
