"""Provides `include:` resolution: devices, departments and packs merged in from other files.

Paths are relative to the including file. A missing file or an include cycle is a problem at the
include entry; a name defined twice (in the show and an included file, or two included files)
is a problem at the second definition, naming the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from showcall.errors import Problem
from showcall.loader.locate import problems_from
from showcall.loader.nodes import YMap, YSeq
from showcall.loader.yamlsource import YamlSourceError, parse_yaml, read_text
from showcall.model.show import IncludeFile

SHARED_SECTIONS = ("devices", "departments", "packs")


def display_join(base_display: str, relative: str) -> str:
    """The display path of `relative` as seen from the file shown as `base_display`."""
    joined = Path(base_display).parent / relative
    return str(Path(*joined.parts)) if joined.parts else relative


def merge_includes(root: YMap, path: Path, display: str, problems: list[Problem]) -> None:
    """Merge every included file's sections into `root` (in place), recursively."""
    _merge(root, path.resolve(), display, problems, (path.resolve(),))


def _merge(node: YMap, real: Path, display: str, problems: list[Problem], stack: tuple[Path, ...]) -> None:
    includes = node.get("include")
    if includes is None:
        return
    if isinstance(includes, str):
        seq = YSeq(node.pos_of("include"))
        seq.add(includes, node.pos_of("include"))
        includes = seq
    if not isinstance(includes, YSeq):
        problems.append(node.pos_of("include").problem("include", "include must be a list of file paths"))
        return
    for index, entry in enumerate(includes):
        pos = includes.pos_of(index)
        if not isinstance(entry, str) or not entry.strip():
            problems.append(pos.problem("include", "an include entry is a file path (relative to this file)"))
            continue
        target = (real.parent / entry).resolve()
        target_display = display_join(display, entry)
        if target in stack:
            chain = " -> ".join(p.name for p in (*stack, target))
            problems.append(pos.problem("include", f"circular include: {chain}"))
            continue
        if not target.is_file():
            problems.append(pos.problem("include", f"included file not found: {entry} (looked for {target})"))
            continue
        included = _read_include(target, target_display, problems)
        if included is None:
            continue
        _merge(included, target, target_display, problems, (*stack, target))
        _adopt(node, included, problems)


def _read_include(path: Path, display: str, problems: list[Problem]) -> YMap | None:
    try:
        data: Any = parse_yaml(read_text(path, display), display)
    except YamlSourceError as exc:
        problems.extend(exc.problems)
        return None
    if data is None:
        problems.append(Problem(display, 1, 1, "include", "the included file is empty"))
        return None
    if not isinstance(data, YMap):
        problems.append(
            data.pos.problem("include", "an included file is a mapping with devices, departments and packs")
            if isinstance(data, YSeq)
            else Problem(display, 1, 1, "include", "an included file is a mapping with devices, departments and packs")
        )
        return None
    unknown = [k for k in data if k not in IncludeFile.model_fields]
    shaped = YMap(data.pos)
    for key in data:
        if key in ("showcall", "include"):
            shaped.put(key, data[key], data.key_pos_of(key), data.pos_of(key))
    try:
        IncludeFile.model_validate(dict(shaped))
    except ValidationError as exc:
        problems.extend(problems_from(exc, shaped, "include", data.pos, IncludeFile))
    for key in unknown:
        hint = " (a show's segments and cues stay in the show file)" if key in {"segments", "cues", "show"} else ""
        problems.append(data.key_pos_of(key).problem("include", f"unknown key '{key}' in an included file{hint}"))
    return data


def _adopt(into: YMap, included: YMap, problems: list[Problem]) -> None:
    """Copy the included file's sections into `into`, refusing names defined twice."""
    for section in SHARED_SECTIONS:
        items = included.get(section)
        if items is None:
            continue
        if not isinstance(items, YMap):
            problems.append(included.pos_of(section).problem(section, f"{section} must be a mapping of names"))
            continue
        target = into.get(section)
        if not isinstance(target, YMap):
            if target is not None:
                continue  # the including file's own section is broken; it is reported there
            target = YMap(included.pos_of(section))
            into.put(section, target, included.key_pos_of(section), included.pos_of(section))
        for name, value in items.items():
            if name in target:
                first = target.key_pos_of(name)
                problems.append(
                    items.key_pos_of(name).problem(section.rstrip("s"), f"'{name}' is already defined at {first}")
                )
                continue
            target.put(name, value, items.key_pos_of(name), items.pos_of(name))
