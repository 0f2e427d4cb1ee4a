"""Provides loading of device profiles: the built-in ones shipped in the package, and a show's own.

A show may keep profiles in a `drivers/` folder beside it; one there with the same name as a
built-in profile replaces it for that show (a TD adapting a profile to a house's console).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from showcall.errors import Problem
from showcall.loader.locate import problems_from
from showcall.loader.nodes import Pos, YMap, YSeq
from showcall.loader.yamlsource import YamlSourceError, parse_yaml, read_text
from showcall.model.profile import Profile, SendSpec
from showcall.template import names_in


@dataclass
class LoadedProfile:
    """A validated profile and the YAML it came from (for locating template problems)."""

    profile: Profile
    source: YMap
    path: str


@dataclass
class ProfileSet:
    """Every profile a show can use, by driver name, and the problems found loading them."""

    profiles: dict[str, LoadedProfile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # profiles refused: a device using one says nothing more

    def get(self, driver: str) -> LoadedProfile | None:
        """The profile named `driver`, if any."""
        return self.profiles.get(driver)

    def names(self) -> list[str]:
        """Every driver name, sorted."""
        return sorted(self.profiles)


def builtin_profile_files() -> list[Path]:
    """The profiles shipped with showcall (drivers/ in a checkout, showcall/drivers/ when installed)."""
    root = resources.files("showcall.drivers")
    return sorted(Path(str(entry)) for entry in root.iterdir() if entry.name.endswith(".yaml"))


@functools.cache
def _builtin() -> tuple[dict[str, LoadedProfile], tuple[Problem, ...]]:
    """The built-in profiles, read once per process (they do not change while it runs)."""
    profiles: dict[str, LoadedProfile] = {}
    problems: list[Problem] = []
    for path in builtin_profile_files():
        loaded = load_profile_file(path, str(path), problems)
        if loaded is not None:
            profiles[loaded.profile.driver] = loaded
    return profiles, tuple(problems)


def load_profiles(local_dir: Path | None = None, display_dir: str | None = None) -> ProfileSet:
    """Load the built-in profiles (cached per process), then any in `local_dir`, which win."""
    builtin, builtin_problems = _builtin()
    result = ProfileSet(dict(builtin), list(builtin_problems))
    if local_dir is not None and local_dir.is_dir():
        for path in sorted(local_dir.glob("*.yaml")):
            display = str(Path(display_dir) / path.name) if display_dir is not None else str(path)
            loaded = load_profile_file(path, display, result.problems)
            if loaded is not None:
                result.profiles[loaded.profile.driver] = loaded
            else:
                result.broken.add(path.stem)
    return result


def load_profile_file(path: Path, display: str, problems: list[Problem]) -> LoadedProfile | None:
    """Load and check one profile file; problems are appended, None when it cannot be used."""
    try:
        data = parse_yaml(read_text(path, display), display)
    except YamlSourceError as exc:
        problems.extend(exc.problems)
        return None
    if not isinstance(data, YMap) or "showcall_driver" not in data:
        pos = data.pos if isinstance(data, YMap | YSeq) else Pos(display, 1, 1)
        problems.append(pos.problem("profile", "not a device profile: it must start with `showcall_driver: 1`"))
        return None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, data, f"profile {path.stem}", data.pos, Profile))
        return None
    before = len(problems)
    if profile.driver != path.stem:
        problems.append(
            data.pos_of("driver").problem(
                f"profile {path.stem}",
                f"driver '{profile.driver}' must match the file name '{path.stem}.yaml'",
            )
        )
    _check_templates(profile, data, display, problems)
    if len(problems) > before:
        return None
    return LoadedProfile(profile, data, display)


def _check_templates(profile: Profile, data: YMap, display: str, problems: list[Problem]) -> None:
    """Every placeholder and `when`/`unless` in a verb names one of that verb's parameters."""
    verbs_src = data.get("verbs")
    for verb_name, verb in profile.verbs.items():
        verb_src = verbs_src[verb_name] if isinstance(verbs_src, YMap) else None
        sends_src = verb_src.get("send") if isinstance(verb_src, YMap) else None
        for index, send in enumerate(verb.send):
            pos = sends_src.pos_of(index) if isinstance(sends_src, YSeq) else data.pos
            where = f"profile {profile.driver}, verb {verb_name}"
            for name in sorted(_send_placeholders(send) | {n for n in (send.when, send.unless) if n}):
                if name not in verb.params:
                    problems.append(pos.problem(where, f"uses {{{name}}} but the verb has no parameter '{name}'"))
            problems.extend(pos.problem(where, text) for text in _send_form_problems(send))
    for section, sends in (
        ("panic", profile.panic),
        ("keepalive", profile.keepalive.send if profile.keepalive else []),
    ):
        for send in sends:
            for text in _send_form_problems(send):
                problems.append(data.pos_of(section).problem(f"profile {profile.driver}", text))
            names = _send_placeholders(send)
            if names:
                problems.append(
                    data.pos_of(section).problem(
                        f"profile {profile.driver}",
                        f"{section} messages cannot use placeholders ({', '.join(names)})",
                    )
                )


MSC_SEND_FIELDS = ("command", "cue", "list", "path", "time", "control", "value", "macro")
MIDI_SEND_FIELDS = ("type", "channel", "note", "velocity", "control", "value", "program", "pitch", "song", "data")


def _send_form_problems(send: SendSpec) -> list[str]:
    """Keys an msc: or midi: send does not take (a typo there would otherwise be dropped unseen)."""
    out = []
    for form, allowed, given in (("msc", MSC_SEND_FIELDS, send.msc), ("midi", MIDI_SEND_FIELDS, send.midi)):
        for key in sorted(set(given or {}) - set(allowed)):
            out.append(f"unknown key '{key}' in a {form}: send (keys: {', '.join(allowed)})")
    return out


def _send_placeholders(send: SendSpec) -> set[str]:
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            names.update(n.rstrip("*") for n in names_in(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    if send.osc is not None:
        walk(send.osc.address)
        walk(send.osc.args)
    walk(send.midi)
    walk(send.msc)
    return names
