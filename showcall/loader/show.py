"""Provides `read_show`: a show file becomes a validated Show, with every problem found.

Stages: read YAML with positions → merge includes → validate each piece (show, each device,
department, pack, segment and cue on its own, so one bad cue does not hide the others), expanding
packs before their cues are validated. Linting and compiling follow; showcall.compile.showfile runs
the whole pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from showcall.errors import Problem
from showcall.loader.gcpause import gc_paused
from showcall.loader.includes import merge_includes
from showcall.loader.locate import problems_from
from showcall.loader.nodes import Pos, YMap, YSeq
from showcall.loader.packs import BROKEN, PackDef, check_pack, expand
from showcall.loader.profiles import ProfileSet, load_profiles
from showcall.loader.sources import CueSource, ShowSources
from showcall.loader.yamlsource import YamlSourceError, parse_yaml, read_text
from showcall.model.show import (
    DEPT_PATTERN,
    NAME_PATTERN,
    Cue,
    Department,
    DeviceConfig,
    Pack,
    Segment,
    Show,
    ShowFile,
    ShowInfo,
)

M = TypeVar("M", bound=BaseModel)


@dataclass
class ReadShow:
    """A show file read and validated: the show (None when its `show:` block is unusable), the
    YAML behind it, the profiles it can use, and every problem found so far."""

    show: Show | None
    sources: ShowSources | None
    profiles: ProfileSet
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ShowYaml:
    """The first stage of reading a show: its file's YAML root (None when unusable) and its problems."""

    path: Path
    display: str
    root: YMap | None
    problems: list[Problem] = field(default_factory=list)


def read_show(path: Path, display: str) -> ReadShow:
    """Read, merge includes, expand packs and validate the show at `path`; never raises for a bad file."""
    with gc_paused():
        return build_show(read_show_yaml(path, display))


def read_show_yaml(path: Path, display: str) -> ShowYaml:
    """Read the show file's YAML and check it is a version 1 show file."""
    problems: list[Problem] = []
    root = _read_root(path, display, problems)
    return ShowYaml(path, display, root, problems)


def build_show(read: ShowYaml) -> ReadShow:
    """Merge includes, load the profiles, expand packs and validate: the show file's YAML becomes a Show."""
    path, display, problems = read.path, read.display, list(read.problems)
    if read.root is None:
        return ReadShow(None, None, ProfileSet(), problems)
    merge_includes(read.root, path, display, problems)
    profiles = load_profiles(path.parent / "drivers", str(Path(display).parent / "drivers"))
    problems.extend(profiles.problems)
    show, sources = _validate(read.root, problems)
    return ReadShow(show, sources, profiles, problems)


def _read_root(path: Path, display: str, problems: list[Problem]) -> YMap | None:
    try:
        data: Any = parse_yaml(read_text(path, display), display)
    except YamlSourceError as exc:
        problems.extend(exc.problems)
        return None
    if data is None:
        problems.append(Problem(display, 1, 1, "", "the file is empty: a show file starts with `showcall: 1`"))
        return None
    if not isinstance(data, YMap) or "showcall" not in data:
        pos = data.pos if isinstance(data, YMap | YSeq) else Pos(display, 1, 1)
        problems.append(
            pos.problem("", "not a showcall show file: it must be a YAML mapping starting with `showcall: 1`")
        )
        return None
    version = data["showcall"]
    if version != 1 or isinstance(version, bool):
        problems.append(
            data.pos_of("showcall").problem(
                "", f"unsupported show-file version {version!r}: this showcall reads version 1"
            )
        )
        return None
    for key in data:
        if key not in ShowFile.model_fields:
            problems.extend(_unknown_key(data, key, "show file"))
    return data


def _unknown_key(node: YMap, key: Any, where: str) -> list[Problem]:
    import difflib

    close = difflib.get_close_matches(str(key), list(ShowFile.model_fields), n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (top-level keys: {', '.join(ShowFile.model_fields)})"
    return [node.key_pos_of(key).problem("", f"unknown key '{key}'{hint}")]


def _one(model: type[M], node: Any, where: str, fallback: Pos, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(node)
    except ValidationError as exc:
        problems.extend(problems_from(exc, node, where, fallback, model))
        return None


def _named(
    root: YMap,
    section: str,
    model: type[M],
    pattern_msg: tuple[str, str],
    problems: list[Problem],
    broken: set[str] | None = None,
) -> tuple[dict[str, M], dict[str, Any], dict[str, Pos]]:
    """Validate each entry of a name -> mapping section on its own; names refused go in `broken`."""
    import re

    out: dict[str, M] = {}
    nodes: dict[str, Any] = {}
    keys: dict[str, Pos] = {}
    broken = broken if broken is not None else set()
    node = root.get(section)
    if node is None:
        return out, nodes, keys
    if not isinstance(node, YMap):
        problems.append(root.pos_of(section).problem(section, f"{section} must be a mapping of names"))
        return out, nodes, keys
    pattern, message = pattern_msg
    for name, value in node.items():
        key_pos = node.key_pos_of(name)
        where = f"{section.rstrip('s')} {name}"
        if not isinstance(name, str) or not re.match(pattern, name):
            problems.append(key_pos.problem(where, message.format(name=name)))
            broken.add(str(name))
            continue
        entry = value if value is not None else YMap(node.pos_of(name))
        validated = _one(model, entry, where, node.pos_of(name), problems)
        if validated is not None:
            out[name] = validated
            nodes[name] = entry
            keys[name] = key_pos
        else:
            broken.add(name)
    return out, nodes, keys


def _validate(root: YMap, problems: list[Problem]) -> tuple[Show | None, ShowSources | None]:
    info_node = root.get("show")
    info = None
    if info_node is None:
        problems.append(root.pos.problem("show", "missing required key 'show' (with at least a title)"))
    else:
        info = _one(ShowInfo, info_node, "show", root.pos_of("show"), problems) or _salvage_info(info_node)
    broken_devices: set[str] = set()
    broken_packs: set[str] = set()
    devices, device_nodes, device_keys = _named(
        root,
        "devices",
        DeviceConfig,
        (NAME_PATTERN, "device name '{name}' must be letters, digits, '_' or '-'"),
        problems,
        broken_devices,
    )
    departments, _, dept_keys = _named(
        root,
        "departments",
        Department,
        (DEPT_PATTERN, "department code '{name}' must be capital letters and digits, e.g. LX"),
        problems,
    )
    packs, pack_nodes, _ = _named(
        root,
        "packs",
        Pack,
        (NAME_PATTERN, "pack name '{name}' must be letters, digits, '_' or '-'"),
        problems,
        broken_packs,
    )
    pack_defs: dict[str, PackDef] = {}
    for name, pack in packs.items():
        checked = check_pack(name, pack, pack_nodes[name], problems)
        if checked is not None:
            pack_defs[name] = checked
        else:
            broken_packs.add(name)
    pack_defs.update(dict.fromkeys(broken_packs, BROKEN))  # their uses add nothing to their own problems
    sources = ShowSources(
        root=root,
        devices=device_nodes,
        device_keys=device_keys,
        departments=dept_keys,
        broken_devices=broken_devices,
        packs=packs,
    )

    segments: list[Segment] = []
    flat: list[Cue] = []
    has_segments, has_cues = "segments" in root, "cues" in root
    if has_segments and has_cues:
        problems.append(
            root.key_pos_of("cues").problem("", "a show has segments (a run of show) or a flat cues list, not both")
        )
    elif has_segments:
        segments = _segments(root, pack_defs, sources, problems)
    elif has_cues:
        flat = _cue_list(root, "cues", None, pack_defs, sources, problems)
    if info is None:
        info = ShowInfo(title="?")
    show = Show.model_construct(info=info, devices=devices, departments=departments, segments=segments, cues=flat)
    return show, sources


def _salvage_info(node: Any) -> ShowInfo:
    """The show block without its broken keys, so the rest of the file is still checked against
    what was right (its fps, say). The show block's own problems keep the show from running."""
    if not isinstance(node, dict):
        return ShowInfo(title="?")
    kept = dict(node)
    for _ in range(len(kept) + 1):
        try:
            return ShowInfo.model_validate({"title": "?", **kept})
        except ValidationError as exc:
            bad = {error["loc"][0] for error in exc.errors() if error["loc"]}
            if not bad & set(kept):
                break
            kept = {k: v for k, v in kept.items() if k not in bad}
    return ShowInfo(title="?")


def _segments(root: YMap, packs: dict[str, PackDef], sources: ShowSources, problems: list[Problem]) -> list[Segment]:
    node = root["segments"]
    if not isinstance(node, YSeq):
        problems.append(root.pos_of("segments").problem("segments", "segments must be a list"))
        return []
    segments = []
    for index, seg in enumerate(node):
        pos = node.pos_of(index)
        if not isinstance(seg, YMap):
            problems.append(pos.problem("segments", "a segment is a mapping (id:, title:, duration:, cues: ...)"))
            continue
        shell = YMap(seg.pos)
        for key, value in seg.items():
            if key != "cues":
                shell.put(key, value, seg.key_pos_of(key), seg.pos_of(key))
        where = f"segment {seg.get('id', index + 1)}"
        segment = _one(Segment, shell, where, pos, problems)
        seg_id = segment.id if segment is not None else str(seg.get("id", index + 1))
        cues = _cue_list(seg, "cues", seg_id, packs, sources, problems) if "cues" in seg else []
        if segment is None:  # reported; a stand-in keeps its cues checked
            segment = Segment.model_construct(
                id=seg_id, title="?", presenters=[], start=None, duration=None, notes=None
            )
        segments.append(segment.model_copy(update={"cues": cues}))
        sources.segments.append(seg)
    return segments


def _cue_list(
    parent: YMap,
    key: str,
    segment: str | None,
    packs: dict[str, PackDef],
    sources: ShowSources,
    problems: list[Problem],
) -> list[Cue]:
    node = parent[key]
    if node is None:
        return []
    if not isinstance(node, YSeq):
        problems.append(parent.pos_of(key).problem(key, "cues must be a list"))
        return []
    cues = []
    validate = Cue.model_validate
    for number, expanded in enumerate(expand(node, packs, problems), start=1):
        try:
            cue = validate(expanded.node)
        except ValidationError as exc:
            where = _cue_where(expanded.node.get("id"), number, segment, expanded.origin)
            problems.extend(problems_from(exc, expanded.node, where, expanded.node.pos, Cue))
            continue
        cues.append(cue)
        sources.cues.append(CueSource(expanded.node, expanded.origin, segment, expanded.packs))
    return cues


def _cue_where(cue_id: Any, number: int, segment: str | None, origin: str) -> str:
    """How a problem names a cue: by its id, or by its place when it has no usable id."""
    if cue_id is None or isinstance(cue_id, YMap | YSeq):
        in_segment = f" of segment {segment}" if segment is not None else ""
        return f"cue #{number}{in_segment}{origin}"
    return f"cue {getattr(cue_id, 'source_text', cue_id)}{origin}"
