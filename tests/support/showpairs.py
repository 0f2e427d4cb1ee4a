"""Provides pairs of example shows for the diff tests: shows/ copied twice, the second copy edited in known ways."""

from __future__ import annotations

import shutil
from pathlib import Path

from showcall.compile.showfile import load_show
from showcall.diff import ShowDiff, ShowRecord, compare, record_show

REPO = Path(__file__).resolve().parents[2]
SHOWS = REPO / "shows"
MARK = {"added": "+", "removed": "-", "changed": "~"}


class ShowPair:
    """shows/ copied to `old/` and `new/` under a folder; `edit` changes the new copy."""

    def __init__(self, folder: Path) -> None:
        self.old = folder / "old"
        self.new = folder / "new"
        shutil.copytree(SHOWS, self.old)
        shutil.copytree(SHOWS, self.new)

    def edit(self, name: str, before: str, after: str) -> None:
        """Replace `before` (which must occur exactly once) with `after` in the new copy of `name`."""
        path = self.new / name
        text = path.read_text(encoding="utf-8")
        assert text.count(before) == 1, f"{before!r} occurs {text.count(before)} times in {name}"
        path.write_text(text.replace(before, after), encoding="utf-8")

    def diff(self, show: str = "summit.yaml") -> ShowDiff:
        """The old copy of `show` compared with the new one (both must load)."""
        return compare(record(self.old / show), record(self.new / show))


def record(path: Path) -> ShowRecord:
    """The record of the show at `path`, which must load without problems."""
    loaded = load_show(path, path.name)
    assert loaded.ok and loaded.plan is not None and loaded.sources is not None, [str(p) for p in loaded.problems]
    return record_show(loaded.plan, loaded.sources)


def lines(diff: ShowDiff) -> list[str]:
    """The whole diff flattened to one line per fact, for exact comparison in tests."""
    out: list[str] = []
    for dept in diff.departments:
        for cue in dept.cues:
            head = f"{dept.dept}: {MARK[cue.kind]} {cue.name}"
            facts = [f"{f.field}: {f.old} -> {f.new}" for f in cue.fields]
            facts += [
                f"send {'-' if s.op == 'removed' else '+'} {s.device} {s.message} @{s.offset_ns}" for s in cue.sends
            ]
            facts += [f"via pack {pack}" for pack in cue.changed_packs]
            out += [f"{head} {fact}" for fact in facts] or [head]
    for item in diff.show:
        head = f"show: {MARK[item.kind]} {item.what} {item.name}"
        facts = [f"{f.field}: {f.old} -> {f.new}" for f in item.fields]
        facts += [f"touches {', '.join(item.touches)}"] if item.what == "pack" else []
        out += [f"{head} {fact}" for fact in facts] or [head]
    return out
