"""Provides cue-pack expansion: a `use:` entry becomes the pack's cues with its parameters filled in.

Expansion works on the YAML nodes, before cues are validated, so every expanded value keeps the
position it had in the pack's template, and problems in an expanded cue name the `use:` that
made it. `{id}` is always available as a parameter; the others are declared under `params:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from showcall.errors import Problem
from showcall.loader.locate import problems_from
from showcall.loader.nodes import Pos, YMap, YSeq
from showcall.model.show import Pack, PackUse
from showcall.template import TemplateError, names_in, render

IMPLICIT_PARAMS = ("id",)
MAX_DEPTH = 8


@dataclass
class PackDef:
    """A validated pack and its raw cue templates.

    `templated` holds the ids of the template containers with a placeholder somewhere inside;
    expansion copies only those, and shares the rest (a 10,000-cue show expands a pack thousands
    of times, and nothing changes a node after it is read).
    """

    name: str
    pack: Pack
    templates: YSeq
    pos: Pos
    templated: frozenset[int] = frozenset()


BROKEN: PackDef = PackDef(
    "", Pack.model_construct(params={}, description=None, cues=[]), YSeq(Pos("", 0, 0)), Pos("", 0, 0)
)
"""Stands for a pack defined with problems of its own: a `use:` of it expands to nothing, silently."""


@dataclass
class Expanded:
    """One cue mapping ready for validation, and the pack uses that made it.

    `origin` names the innermost use (for problems); `packs` names every pack it came through,
    outermost first (empty for a cue written in the show), so a change to any of them can be
    traced to the cue.
    """

    node: YMap
    origin: str
    packs: tuple[str, ...] = ()


def check_pack(name: str, pack: Pack, node: YMap, problems: list[Problem]) -> PackDef | None:
    """Check that a pack's templates use only declared parameters."""
    templates = node.get("cues")
    if not isinstance(templates, YSeq):
        return None
    declared = set(pack.params) | set(IMPLICIT_PARAMS)
    ok = True
    for where, pos, text in _strings(templates):
        for used in sorted(names_in(text) - declared):
            problems.append(
                pos.problem(f"pack {name}", f"uses {{{used}}} but the pack declares no parameter '{used}' ({where})")
            )
            ok = False
    return PackDef(name, pack, templates, node.pos, frozenset(_templated(templates))) if ok else None


def _templated(node: Any) -> set[int]:
    """The ids of the containers in `node` (itself included) with a string holding '{' or '}'."""
    found: set[int] = set()

    def walk(item: Any) -> bool:
        if isinstance(item, str):
            return "{" in item or "}" in item
        if not isinstance(item, YMap | YSeq):
            return False
        inside = isinstance(item, YMap) and any(isinstance(k, str) and ("{" in k or "}" in k) for k in item)
        for child in item.values() if isinstance(item, YMap) else item:
            inside = walk(child) or inside  # walk every child, so the containers inside are marked too
        if inside:
            found.add(id(item))
        return inside

    walk(node)
    return found


def _strings(node: Any, where: str = "cues") -> Iterator[tuple[str, Pos, str]]:
    """Every string in a template, keys included (`"{desk}.fire":` picks a device by parameter)."""
    if isinstance(node, YMap):
        for key, value in node.items():
            if isinstance(key, str) and ("{" in key or "}" in key):
                yield f"{where}.{key}", node.key_pos_of(key), key
            if isinstance(value, str):
                yield f"{where}.{key}", node.pos_of(key), value
            else:
                yield from _strings(value, f"{where}.{key}")
    elif isinstance(node, YSeq):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield f"{where}[{index}]", node.pos_of(index), value
            else:
                yield from _strings(value, f"{where}[{index}]")


def expand(
    entries: YSeq,
    packs: dict[str, PackDef],
    problems: list[Problem],
    depth: int = 0,
    stack: tuple[str, ...] = (),
) -> Iterator[Expanded]:
    """Every cue in `entries`, with `use:` entries replaced by their packs' cues."""
    for index, entry in enumerate(entries):
        pos = entries.pos_of(index)
        if not isinstance(entry, YMap):
            problems.append(pos.problem("cues", "a cue is a mapping (id:, dept:, ...) or a pack use (use:, with:)"))
            continue
        if "use" not in entry:
            yield Expanded(entry, "")
            continue
        yield from _expand_use(entry, packs, problems, depth, stack)


def _expand_use(
    entry: YMap, packs: dict[str, PackDef], problems: list[Problem], depth: int, stack: tuple[str, ...]
) -> Iterator[Expanded]:
    try:
        use = PackUse.model_validate(entry)
    except ValidationError as exc:
        problems.extend(problems_from(exc, entry, "use", entry.pos))
        return
    name = use.use
    where = f"use {name}"
    if name not in packs:
        known = ", ".join(sorted(packs)) or "none defined"
        problems.append(entry.pos_of("use").problem(where, f"unknown pack '{name}' (packs: {known})"))
        return
    if name in stack or depth >= MAX_DEPTH:
        chain = " -> ".join((*stack, name))
        problems.append(entry.pos_of("use").problem(where, f"pack uses itself: {chain}"))
        return
    pack = packs[name]
    if pack is BROKEN:
        return
    values, ok = _parameters(entry, use, pack, problems)
    if not ok:
        return
    origin = f" (from pack {name} used at {entry.pos})"
    for template_index, template in enumerate(pack.templates):
        tpos = pack.templates.pos_of(template_index)
        try:
            filled = substitute(template, values, templated=pack.templated)
        except _Unfilled as exc:
            problems.append(exc.pos.problem(f"pack {name}", f"{exc.message}{origin}"))
            continue
        if not isinstance(filled, YMap):
            problems.append(tpos.problem(f"pack {name}", "a pack's cue is a mapping"))
            continue
        if "use" in filled:
            seq = YSeq(tpos)
            seq.add(filled, tpos)
            for inner in expand(seq, packs, problems, depth + 1, (*stack, name)):
                yield Expanded(inner.node, inner.origin or origin, (name, *inner.packs))
        else:
            yield Expanded(filled, origin, (name,))


def _parameters(entry: YMap, use: PackUse, pack: PackDef, problems: list[Problem]) -> tuple[dict[str, Any], bool]:
    with_node = entry.get("with")
    declared = pack.pack.params
    ok = True
    for key in use.with_:
        if key not in declared and key not in IMPLICIT_PARAMS:
            at = with_node.key_pos_of(key) if isinstance(with_node, YMap) else entry.pos
            allowed = ", ".join([*IMPLICIT_PARAMS, *declared])
            problems.append(
                at.problem(
                    f"use {pack.name}",
                    f"unknown parameter '{key}' for pack {pack.name} (parameters: {allowed})",
                )
            )
            ok = False
    values: dict[str, Any] = {}
    for key, spec in declared.items():
        if key in use.with_:
            values[key] = with_node[key] if isinstance(with_node, YMap) else use.with_[key]
        elif spec is not None and spec.default is not None:
            values[key] = spec.default
        else:
            problems.append(
                entry.pos_of("use").problem(f"use {pack.name}", f"pack {pack.name} needs parameter '{key}'")
            )
            ok = False
    for key in IMPLICIT_PARAMS:
        if key in use.with_:
            values[key] = with_node[key] if isinstance(with_node, YMap) else use.with_[key]
        elif any(key in names_in(text) for _, _, text in _strings(pack.templates)):
            problems.append(
                entry.pos_of("use").problem(f"use {pack.name}", f"pack {pack.name} needs parameter '{key}'")
            )
            ok = False
    return values, ok


class _Unfilled(Exception):
    def __init__(self, pos: Pos, message: str) -> None:
        self.pos = pos
        self.message = message
        super().__init__(message)


def substitute(
    node: Any, values: dict[str, Any], pos: Pos | None = None, templated: frozenset[int] | None = None
) -> Any:
    """A copy of `node` with placeholders in every string filled in, positions kept.

    With `templated` (see PackDef), a container not in it has no placeholder and is returned as it is.
    """
    if isinstance(node, str):
        return _fill(node, values, pos)
    if templated is not None and id(node) not in templated:
        return node
    if isinstance(node, YMap):
        out = YMap(node.pos)
        out.key_pos.update(node.key_pos)
        out.val_pos.update(node.val_pos)
        for key, value in node.items():
            new_key = key
            if isinstance(key, str) and ("{" in key or "}" in key):
                new_key = str(_fill(key, values, node.key_pos_of(key)))
                if key in node.key_pos:
                    out.key_pos[new_key] = node.key_pos[key]
                if key in node.val_pos:
                    out.val_pos[new_key] = node.val_pos[key]
            out[new_key] = _filled(value, values, node.pos_of, key, templated)
        return out
    if isinstance(node, YSeq):
        seq = YSeq(node.pos)
        for index, value in enumerate(node):
            seq.append(_filled(value, values, node.pos_of, index, templated))
        seq.item_pos.extend(node.item_pos)
        return seq
    return node


def _filled(value: Any, values: dict[str, Any], pos_of: Any, at: Any, templated: frozenset[int] | None) -> Any:
    """One item of a container being substituted (the common cases without a call to substitute)."""
    if value.__class__ is str:
        return _fill(value, values, pos_of(at)) if "{" in value or "}" in value else value
    if isinstance(value, YMap | YSeq):
        return substitute(value, values, pos_of(at), templated)
    return value


def _fill(text: str, values: dict[str, Any], pos: Pos | None) -> Any:
    if "{" not in text and "}" not in text:
        return text  # render would return it unchanged
    try:
        return render(text, values)
    except TemplateError as exc:
        raise _Unfilled(pos or Pos("?", 1, 1), str(exc)) from exc
