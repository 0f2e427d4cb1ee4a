"""The engine's read-only face, kept so by reading the code (design.md §5, issue 9).

Outside showcall/engine, the show is read through `Engine.snapshot()` and the events, and changed through the
engine's commands: these tests walk every module's syntax tree and fail on an import of the engine's private
modules or on any other use of an engine object. Inside the engine, `CueBook` is the only code that changes a
cue's record. And nothing in the product imports the layers above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "showcall"

ENGINE_PUBLIC_MODULES = {
    "showcall.engine",
    "showcall.engine.engine",  # Engine, Refusal, GO_LEAD_NS
    "showcall.engine.events",
    "showcall.engine.snapshot",
    "showcall.engine.clock",  # the Clock protocol and SystemClock a runner hands the engine
    "showcall.engine.log",
    "showcall.engine.replay",
    "showcall.engine.timecode",  # the TimecodeSource protocol an MTC input implements
    "showcall.engine.rehearsal",  # where a rehearsal is taken from, and the rehearsal clock's default
}
ENGINE_API = {
    "plan",
    "clock",
    "snapshot",
    "subscribe",
    "announce",
    "start",
    "close",
    "go",
    "hold",
    "resume",
    "back",
    "skip",
    "standby",
    "ack",
    "panic",
    "reset",
    "quit",
    "force_end",  # a runner's bound on the drain after quit (showcall.runner.drain)
    "rehearse_from",
    "follow",  # a tracking backup (showcall.backup): the live engine's events, take over, stand down
    "take_over",
    "stand_down",
}
CUE_RECORD_FIELDS = {
    "state",
    "source",
    "fire_ns",
    "complete_ns",
    "reason",
    "unsent",
    "failed_sends",
    "max_late_us",
    "fire_timer",
    "skipped",
    "missed",
}


def _modules() -> list[tuple[str, Path, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, path, ast.parse(path.read_text(), str(path))))
    return found


MODULES = _modules()
OUTSIDE_ENGINE = [(n, p, t) for n, p, t in MODULES if not n.startswith("showcall.engine")]


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
    return out


def _is_engine(node: ast.expr) -> bool:
    """`engine`, `self.engine`, `session.engine`...: an expression that names an Engine."""
    if isinstance(node, ast.Name):
        return node.id == "engine"
    return isinstance(node, ast.Attribute) and node.attr == "engine"


def _engine_misuse(tree: ast.Module) -> list[str]:
    problems = []
    for line, imported in _imports(tree):
        private = imported.startswith("showcall.engine.") and imported.count(".") == 2
        if private and imported not in ENGINE_PUBLIC_MODULES:
            problems.append(f"{line}: imports {imported}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_engine(node.value) and node.attr not in ENGINE_API:
            problems.append(f"{node.lineno}: uses engine.{node.attr}")
    return problems


def test_the_checker_sees_a_reach_into_the_engine() -> None:
    sample = "from showcall.engine.book import CueBook\nx = self.engine._book.runs\ny = engine.snapshot()\n"
    assert _engine_misuse(ast.parse(sample)) == ["1: imports showcall.engine.book", "2: uses engine._book"]


@pytest.mark.parametrize(("name", "path", "tree"), OUTSIDE_ENGINE, ids=[n for n, _, _ in OUTSIDE_ENGINE])
def test_outside_the_engine_only_its_public_face_is_used(name: str, path: Path, tree: ast.Module) -> None:
    assert [f"{path.name}:{problem}" for problem in _engine_misuse(tree)] == []


ENGINE_MODULES = [(n, p, t) for n, p, t in MODULES if n.startswith("showcall.engine.")]


def _record_changes(tree: ast.Module) -> list[str]:
    changed = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                stored = isinstance(part, ast.Attribute) and isinstance(part.ctx, ast.Store)
                if stored and part.attr in CUE_RECORD_FIELDS:  # type: ignore[attr-defined]
                    changed.append(f"{part.lineno}: sets .{part.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "unsent" and node.func.attr in {"pop", "clear"}:
                changed.append(f"{node.lineno}: changes .unsent")
    return changed


def test_the_checker_sees_a_cue_record_changed() -> None:
    sample = "run.reason = 'x'\nruns[3].missed = True\nrun.unsent.pop(1)\nself._ok = 1\n"
    assert _record_changes(ast.parse(sample)) == ["1: sets .reason", "2: sets .missed", "3: changes .unsent"]


@pytest.mark.parametrize(("name", "path", "tree"), ENGINE_MODULES, ids=[n for n, _, _ in ENGINE_MODULES])
def test_only_the_cue_book_changes_cue_records(name: str, path: Path, tree: ast.Module) -> None:
    if name in {"showcall.engine.book", "showcall.engine.cues"}:
        return
    assert [f"{path.name}:{change}" for change in _record_changes(tree)] == []


LAYERS = ["model", "loader", "compile", "engine", "web", "runner", "tui"]
"""Each layer may import those before it, never those after it (design.md §5)."""
BELOW_ENGINE = {"protocols", "transports", "timing", "devices", "drivers"}


@pytest.mark.parametrize(("name", "path", "tree"), MODULES, ids=[n for n, _, _ in MODULES])
def test_no_layer_imports_one_above_it(name: str, path: Path, tree: ast.Module) -> None:
    parts = name.split(".")
    layer = parts[1] if len(parts) > 1 else ""
    above: set[str] = set()
    if layer in LAYERS:
        above = set(LAYERS[LAYERS.index(layer) + 1 :])
    elif layer in BELOW_ENGINE:
        above = {"engine", "runner", "tui"}
    top = {"tui", "commands", "cli", "bench", "__main__"}  # the console and the command line sit on top
    if layer not in top:
        above.add("tui")
        above.add("commands")
    wrong = [
        f"{path.name}:{line}: imports {imported}"
        for line, imported in _imports(tree)
        if imported.startswith("showcall.") and imported.split(".")[1] in above
    ]
    assert wrong == []
    if layer not in top:  # only the console imports Textual's world
        assert not [i for _, i in _imports(tree) if i.split(".")[0] == "textual"], f"{name} imports Textual"
