"""Provides the mapping from pydantic validation errors to located, readable problems.

A pydantic error `loc` is walked through the YMap/YSeq tree that was validated; parts that are
not in the tree (discriminated-union tags such as `follow` in `('go', 'follow', 'follow')`) are
skipped, and a missing key falls back to the mapping that lacks it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from showcall.errors import Problem
from showcall.loader.yamlsource import Pos, YMap, YSeq
from showcall.model.times import type_name

_FIELD_MESSAGES = {
    "id": "may only contain letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. '12.5')",
    "dept": "a department code is capital letters and digits, e.g. LX, SND, VID",
    "address": "an OSC address starts with '/'",
}


def locate(node: Any, loc: tuple[int | str, ...]) -> tuple[Pos | None, Pos | None, Any]:
    """Walk `loc` through `node`: (position of the value, position of its key, the value) found."""
    value_pos: Pos | None = getattr(node, "pos", None)
    key_pos: Pos | None = None
    current = node
    for part in loc:
        if isinstance(current, YMap) and part in current:
            key_pos = current.key_pos_of(part)
            value_pos = current.pos_of(part)
            current = current[part]
        elif isinstance(current, YSeq) and isinstance(part, int) and 0 <= part < len(current):
            value_pos = current.pos_of(part)
            key_pos = None
            current = current[part]
        elif isinstance(current, YMap | YSeq):
            continue  # a union tag or a key that is missing: stay at the nearest node
        else:
            break
    return value_pos, key_pos, current


def problems_from(
    exc: ValidationError, node: Any, where: str, fallback: Pos, vocabulary: Iterable[str] = ()
) -> list[Problem]:
    """Every error in `exc` as a located Problem, with messages a TD can act on."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        value_pos, key_pos, value = locate(node, loc)
        kind = error["type"]
        pos = value_pos or fallback
        if kind == "extra_forbidden":
            pos = key_pos or pos
        message = _message(error, loc, value, vocabulary)
        problems.append(pos.problem(where, message))
    return problems


def _field_name(loc: tuple[int | str, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str) and part not in {"device", "manual"}:
            return part
    return ""


def _message(error: Any, loc: tuple[int | str, ...], value: Any, vocabulary: Iterable[str]) -> str:
    kind = error["type"]
    field = _field_name(loc)
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = loc[-1] if loc else "?"
        hint = ""
        close = difflib.get_close_matches(str(key), list(vocabulary), n=1, cutoff=0.75)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"missing required key '{field}'"
    if kind in {"value_error", "assertion_error"}:
        message = str(ctx.get("error", error["msg"]))
        return message.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        detail = _FIELD_MESSAGES.get(field, f"does not match {ctx.get('pattern')}")
        return f"{field} {value!r} {detail}".strip()
    if kind == "literal_error":
        if field == "manual" or (loc and loc[-1] == "manual"):
            return "go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or {timecode: 'HH:MM:SS:FF'}"
        expected = ctx.get("expected", "")
        return f"{field} must be {expected}, got {_show(value)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{field} must be a whole number, got {_describe(value)}"
    if kind in {"float_type", "float_parsing"}:
        return f"{field} must be a number, got {_describe(value)}"
    if kind in {"string_type"}:
        return f"{field} must be text, got {_describe(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{field} must be true or false, got {_describe(value)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"{field or 'this'} must be a mapping (key: value), got {_describe(value)}"
    if kind in {"list_type"}:
        return f"{field or 'this'} must be a list, got {_describe(value)}"
    if kind == "greater_than_equal":
        return f"{field} must be at least {ctx.get('ge')}, got {_show(value)}"
    if kind == "less_than_equal":
        return f"{field} must be at most {ctx.get('le')}, got {_show(value)}"
    if kind == "greater_than":
        return f"{field} must be more than {ctx.get('gt')}, got {_show(value)}"
    if kind == "string_too_short":
        return f"{field} must not be empty"
    if kind == "string_too_long":
        return f"{field} is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"{field} must have at least {ctx.get('min_length')} item(s)"
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return f"{field} must be a date YYYY-MM-DD, got {_show(value)}"
    if kind in {"union_tag_invalid", "trigger"}:
        return str(error["msg"])
    return f"{field}: {error['msg']}" if field else str(error["msg"])


def _show(value: Any) -> str:
    if isinstance(value, YMap | YSeq):
        return type_name(value)
    return repr(getattr(value, "source_text", value)) if not isinstance(value, str) else repr(value)


def _describe(value: Any) -> str:
    if isinstance(value, YMap | YSeq) or value is None:
        return type_name(value)
    return f"{type_name(value)} {_show(value)}"


def model_vocabulary(*models: type[BaseModel]) -> set[str]:
    """Every key name the given models (and the models they contain) accept, for 'did you mean'."""
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    stack = list(models)
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            stack.extend(_models_in(info.annotation))
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.append(item)
        for arg in getattr(item, "__args__", ()) or ():
            stack.append(arg)
        origin = getattr(item, "__origin__", None)
        if origin is not None and origin is not item:
            stack.append(origin)
        meta = getattr(item, "__metadata__", None)
        if meta is not None:
            stack.append(item.__origin__)
    return found
