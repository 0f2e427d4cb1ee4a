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
from showcall.loader.nodes import Pos, YMap, YSeq
from showcall.model.times import type_name

_FIELD_MESSAGES = {
    "id": "id {value} may only contain letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. 12.5)",
    "dept": "department {value} must be capital letters and digits, e.g. LX, SND, VID",
    "address": "OSC address {value} must start with '/'",
}


TRIGGER_FORMS = "go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or {timecode: 'HH:MM:SS:FF'}"


def locate(node: Any, loc: tuple[int | str, ...]) -> tuple[Pos | None, Pos | None, Any, tuple[int | str, ...], int]:
    """Walk `loc` through `node`.

    Returns the value's position, its key's position, the value, the parts of `loc` found in the
    tree, and how many parts of `loc` were used up to the last one found.
    """
    value_pos: Pos | None = getattr(node, "pos", None)
    key_pos: Pos | None = None
    current = node
    matched: list[int | str] = []
    used = 0
    for index, part in enumerate(loc):
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
        matched.append(part)
        used = index + 1
    return value_pos, key_pos, current, tuple(matched), used


_TYPE_ERRORS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "none_required": "nothing (null)",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "literal_error": "one of the allowed words",
}


def problems_from(
    exc: ValidationError, node: Any, where: str, fallback: Pos, model: type[BaseModel] | None = None
) -> list[Problem]:
    """Every error in `exc` as a located Problem, with messages a TD can act on.

    Errors from the members of a union at one place (a value that is none of int, float, text...)
    become one problem listing what would have been accepted.
    """
    errors = exc.errors(include_url=False)
    located = [(error, *locate(node, tuple(error["loc"]))) for error in errors]
    suggested: set[tuple[tuple[int | str, ...], str]] = set()
    for error, _, _, _, matched, _ in located:
        if error["type"] == "extra_forbidden":
            hint = _suggestion(str(error["loc"][-1]), _vocabulary(model, tuple(error["loc"])))
            if hint:
                suggested.add((matched[:-1], hint))
    problems: list[Problem] = []
    unions: dict[tuple[int | str, ...], list[str]] = {}
    union_at: dict[tuple[int | str, ...], tuple[Pos, Any]] = {}
    for error, value_pos, key_pos, value, matched, used in located:
        loc = tuple(error["loc"])
        kind = error["type"]
        pos = value_pos or fallback
        if kind == "missing" and (matched, str(loc[-1])) in suggested:
            continue  # "unknown key 'adress' (did you mean 'address'?)" already says it
        if kind in _TYPE_ERRORS and used < len(loc):
            # the error is inside a union member (`int`, `OscTyped`...) at a value of the tree
            unions.setdefault(matched, []).append(_TYPE_ERRORS[kind])
            union_at[matched] = (pos, value)
            continue
        if kind == "extra_forbidden":
            pos = key_pos or pos
        message = _message(error, loc, matched, value, _vocabulary(model, loc))
        problems.append(pos.problem(where, message))
    for matched, kinds in unions.items():
        pos, value = union_at[matched]
        expected = list(dict.fromkeys("a number" if e == "a whole number" else e for e in kinds))
        if "args" in matched:
            message = f"{_field(matched)} must be a number, text, true/false or a typed argument like {{f: 0.5}}"
            problems.append(pos.problem(where, f"{message}, got {_describe(value)}"))
            continue
        if matched and matched[-1] == "go":
            problems.append(pos.problem(where, f"{TRIGGER_FORMS}, got {_describe(value)}"))
            continue
        if len(expected) == 1:
            message = f"{_field(matched)} must be {expected[0]}, got {_describe(value)}"
        else:
            options = list(dict.fromkeys(expected))
            message = f"{_field(matched)} must be {', '.join(options[:-1])} or {options[-1]}, got {_describe(value)}"
        problems.append(pos.problem(where, message))
    return problems


def _field(matched: tuple[int | str, ...]) -> str:
    """How to name the value at `matched`: `port`, or `args item 2` inside a list."""
    if not matched:
        return "this"
    last = matched[-1]
    if isinstance(last, int):
        names = [p for p in matched if isinstance(p, str)]
        return f"{names[-1]} item {last + 1}" if names else f"item {last + 1}"
    return str(last)


def _suggestion(key: str, vocabulary: Iterable[str]) -> str | None:
    words = [w for w in vocabulary if w != "root"]
    close = difflib.get_close_matches(key, words, n=3, cutoff=0.7)
    if not close:
        return None
    # prefer a word with the same first letter: 'prot' is 'port' before it is 'root'
    close.sort(key=lambda w: (w[:1] != key[:1], -difflib.SequenceMatcher(None, key, w).ratio()))
    return close[0]


def _vocabulary(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> set[str]:
    """The keys allowed where the last part of `loc` stands, following the models along `loc`."""
    if model is None:
        return set()
    current: list[type[BaseModel]] = [model]
    for part in loc[:-1]:
        following = [
            inner
            for m in current
            if isinstance(part, str) and part in m.model_fields
            for inner in _models_in(m.model_fields[part].annotation)
        ]
        if following:
            current = following
    return {info.alias or name for m in current for name, info in m.model_fields.items()}


def _message(
    error: Any, loc: tuple[int | str, ...], matched: tuple[int | str, ...], value: Any, vocabulary: set[str]
) -> str:
    kind = error["type"]
    field = _field(matched)
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        close = _suggestion(key, vocabulary)
        if close:
            return f"unknown key '{key}' (did you mean '{close}'?)"
        allowed = ", ".join(sorted(vocabulary)) if vocabulary else ""
        return f"unknown key '{key}'" + (f" (allowed: {allowed})" if allowed else "")
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in {"value_error", "assertion_error"}:
        message = str(ctx.get("error", error["msg"]))
        return message.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        template = _FIELD_MESSAGES.get(field, f"{field} {{value}} does not match {ctx.get('pattern')}")
        return template.format(value=_show(value))
    if kind == "literal_error":
        if loc and loc[-1] == "manual":
            return TRIGGER_FORMS
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
    if isinstance(value, str):
        return repr(value)
    return str(getattr(value, "source_text", value))


def _describe(value: Any) -> str:
    if isinstance(value, YMap | YSeq) or value is None:
        return type_name(value)
    return f"{type_name(value)} {_show(value)}"


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
