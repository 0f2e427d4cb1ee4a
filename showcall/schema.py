"""Provides the show file's JSON Schema, for editor completion and validation while typing.

The schema comes from the pydantic models, with the authoring forms the loader expands added
back: a `use:` entry wherever a cue may stand, and cue ids and text fields that YAML may write as
numbers (`id: 12`).
"""

from __future__ import annotations

import json
from typing import Any

from showcall import __version__
from showcall.model.show import CUE_ID_PATTERN, PackUse, ShowFile

SCHEMA_ID = "https://showcall.dev/schema/show-1.json"


def show_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a show file."""
    schema = ShowFile.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    use = PackUse.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs.update(use.pop("$defs", {}))
    defs["PackUse"] = use
    entry = {"anyOf": [{"$ref": "#/$defs/Cue"}, {"$ref": "#/$defs/PackUse"}]}
    _replace_cue_items(schema["properties"]["cues"], entry)
    _replace_cue_items(defs["Segment"]["properties"]["cues"], entry)
    for model in ("Cue", "Segment"):
        defs[model]["properties"]["id"] = {
            "anyOf": [{"type": "string", "pattern": CUE_ID_PATTERN}, {"type": "number"}],
            "description": defs[model]["properties"]["id"].get("description", "Id"),
        }
    defs["Pack"]["properties"]["cues"]["items"] = {
        "type": "object",
        "description": "A cue template: a cue (or a use:) whose strings may hold {param} placeholders",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "showcall show file",
        "description": f"A showcall show file (format 1), from showcall {__version__}",
        **{k: v for k, v in schema.items() if k not in {"title", "description"}},
    }


def _replace_cue_items(prop: dict[str, Any], entry: dict[str, Any]) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "array":
            option["items"] = entry


def schema_text() -> str:
    """The schema as indented JSON text."""
    return json.dumps(show_schema(), indent=2, ensure_ascii=False) + "\n"
