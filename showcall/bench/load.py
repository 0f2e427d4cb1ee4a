"""Provides `showcall bench load`: how long a show takes to load, and `showcall check` to answer.

Two figures, each the median of `--runs` runs, each run in a fresh interpreter so nothing a
previous run loaded or cached is reused:

1. A generated show (`--cues`, 10,000 by default) read, validated and compiled in-process:
   `load_show` end to end, and in another fresh process the same pipeline stage by stage (read
   YAML, validate + expand, lint, compile). Target: under 1.5 s for 10,000 cues.
2. `showcall check` wall time as a user sees it, interpreter start-up included, on a typical show
   (`--show`, shows/summit.yaml) and on the generated one. Target: under 0.5 s on the typical show.

Each figure is wall-clock time, with the CPU time beside it: on a machine shared with other work
the wall time grows and the CPU time much less, which tells a slow machine from slow code. The
verdicts are on wall time. The figures are printed, never asserted: the exit status is 0 whatever
they are (1 only when a show fails to load, which is a bug, not a slow machine). A median is
`showcall.stats`'s nearest-rank p50: with an even number of runs, the lower of the two middle ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from showcall.stats import percentile

LOAD_TARGET_S = 1.5
TARGET_CUES = 10_000
CHECK_TARGET_S = 0.5
STAGES = {"read_yaml": "read YAML", "validate_expand": "validate + expand", "lint": "lint", "compile": "compile"}
DESCRIPTION = (
    "Time a generated show's read, validation, lint and compile, and `showcall check` as a user runs it, "
    "each the median of fresh processes; print the figures and the verdicts."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench load`."""
    parser.description = DESCRIPTION
    parser.add_argument("--cues", type=int, default=TARGET_CUES, help="cues in the generated show (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement; medians are shown (default 5)")
    parser.add_argument(
        "--show",
        type=Path,
        default=Path("shows/summit.yaml"),
        help="the typical show for the `showcall check` figure (default shows/summit.yaml)",
    )
    parser.add_argument("--json", action="store_true", help="print every figure as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    """Measure, print the figures and the verdicts; 0 unless a show failed to load."""
    import json
    import sys
    import tempfile

    from showcall.bench.showgen import write_synthetic_show

    if args.cues < 1 or args.runs < 1:
        print("showcall bench load: --cues and --runs must be at least 1", file=sys.stderr)
        return 2
    if not args.show.is_file():
        print(f"showcall bench load: no show at {args.show} (run from the repository, or pass --show)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="showcall-bench-") as folder:
        generated = write_synthetic_show(Path(folder) / f"synthetic-{args.cues}.yaml", args.cues)
        try:
            result = _measure(generated, args.show, args.cues, args.runs)
        except _RunFailed as exc:
            print(f"showcall bench load: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(result, indent=2) if args.json else _report(result))
    return 0


class _RunFailed(Exception):
    """A measured process failed: the show did not load, or showcall check did not pass it."""


class _Figure:
    """One figure's runs: wall-clock and CPU seconds."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def summary(self) -> dict[str, Any]:
        return {
            "wall_s": _median(self.wall),
            "cpu_s": _median(self.cpu),
            "wall_runs_s": self.wall,
            "cpu_runs_s": self.cpu,
        }


def _measure(generated: Path, typical: Path, cues: int, runs: int) -> dict[str, Any]:
    import os

    stages = {name: _Figure() for name in STAGES}
    load, check_typical, check_generated = _Figure(), _Figure(), _Figure()
    load_before = os.getloadavg()[0]
    for _ in range(runs):  # interleaved, so a burst of load elsewhere on the machine hits every figure alike
        figures = _in_fresh_process("stages", generated)
        for name, stage in stages.items():
            stage.add(figures[name], figures[f"{name}_cpu"])
        figures = _in_fresh_process("load_show", generated)
        load.add(figures["load_show"], figures["load_show_cpu"])
        check_typical.add(*_check_times(typical))
        check_generated.add(*_check_times(generated))
    load_show, check = load.summary(), check_typical.summary()
    return {
        "runs": runs,
        "cores": os.cpu_count(),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "generated_show": {"cues": cues, "bytes": generated.stat().st_size},
        "load": {
            "stages": {name: stage.summary() for name, stage in stages.items()},
            "load_show": load_show,
            "target_s": LOAD_TARGET_S,
            # the target is stated for 10,000 cues: another size has figures but no verdict
            "met": load_show["wall_s"] < LOAD_TARGET_S if cues == TARGET_CUES else None,
        },
        "check": {
            "show": str(typical),
            "typical": check,
            "generated": check_generated.summary(),
            "target_s": CHECK_TARGET_S,
            "met": check["wall_s"] < CHECK_TARGET_S,
        },
    }


def _in_fresh_process(what: str, show: Path) -> dict[str, float]:
    """Run `_child` in a new interpreter and return the seconds it measured."""
    import json
    import subprocess
    import sys

    code = f"from showcall.bench.load import _child; _child({what!r}, {str(show)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise _RunFailed(f"measuring {what} of {show} failed:\n{done.stderr.strip()}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _check_times(show: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `python -m showcall check SHOW`, interpreter start-up included."""
    import resource
    import subprocess
    import sys
    import time

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu_before, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "check", str(show)], capture_output=True, text=True, check=False
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu_before
    if done.returncode != 0:
        raise _RunFailed(f"showcall check {show} exited {done.returncode}:\n{done.stderr.strip()}")
    return wall, cpu


def _child(what: str, show: str) -> None:
    """In a fresh interpreter: measure `what` on `show` once and print the seconds as JSON."""
    import json
    import time
    from itertools import pairwise

    from showcall.compile.compiler import compile_show
    from showcall.compile.showfile import load_show
    from showcall.loader.gcpause import gc_paused
    from showcall.loader.lint import lint_show
    from showcall.loader.show import build_show, read_show_yaml

    path = Path(show)
    marks: list[tuple[float, float]] = []

    def mark() -> None:
        marks.append((time.perf_counter(), time.process_time()))

    if what == "load_show":
        mark()
        loaded = load_show(path)
        mark()
        names = ["load_show"]
        ok = loaded.ok
    else:
        # read_show's two stages, timed apart (read_show adds only the collector pause)
        mark()
        with gc_paused():
            yaml = read_show_yaml(path, show)
        mark()
        with gc_paused():
            built = build_show(yaml)
        mark()
        if built.show is None or built.sources is None or built.problems:
            raise SystemExit(f"{show} did not read cleanly: {built.problems[:3]}")
        problems = lint_show(built.show, built.sources)
        mark()
        plan, compile_problems = compile_show(built.show, built.sources, built.profiles, source=show)
        mark()
        names = list(STAGES)
        ok = not problems and not compile_problems and bool(plan.cues)
    if not ok:
        raise SystemExit(f"{show} did not load cleanly")
    figures: dict[str, float] = {}
    for name, (begin, end) in zip(names, pairwise(marks), strict=True):
        figures[name] = end[0] - begin[0]
        figures[f"{name}_cpu"] = end[1] - begin[1]
    print(json.dumps(figures))


def _median(values: list[float]) -> float:
    return percentile(sorted(values), 0.5)


def _report(result: dict[str, Any]) -> str:
    runs, cues = result["runs"], result["generated_show"]["cues"]
    load, check = result["load"], result["check"]

    def row(label: str, figure: dict[str, Any], verdict: str = "") -> str:
        return f"  {label:<20} {figure['wall_s']:6.3f} s  (CPU {figure['cpu_s']:6.3f} s){verdict}"

    if load["met"] is None:
        load_verdict = f"   target < {load['target_s']} s is for {TARGET_CUES} cues"
    else:
        load_verdict = f"   target < {load['target_s']} s: " + ("met" if load["met"] else "MISSED")
    check_verdict = f"   target < {check['target_s']} s: " + ("met" if check["met"] else "MISSED")
    together = {key: sum(stage[key] for stage in load["stages"].values()) for key in ("wall_s", "cpu_s")}
    before, after = result["load_average_1min"]
    busy = " (above the core count: other work slowed these figures)" if max(before, after) >= result["cores"] else ""
    return "\n".join(
        [
            f"Loading a generated {cues}-cue show ({result['generated_show']['bytes'] / 1024:,.0f} KiB), in-process, "
            f"median of {runs} fresh process(es):",
            *(row(label, load["stages"][name]) for name, label in STAGES.items()),
            row("stages together", together),
            row("load_show", load["load_show"], load_verdict),
            f"`showcall check` wall time, interpreter start-up included, median of {runs}:",
            row(check["show"], check["typical"], check_verdict),
            row(f"{cues}-cue show", check["generated"]),
            f"Machine: {result['cores']} cores, 1-minute load average {before:.2f} before and {after:.2f} after{busy}",
            *([] if _bytecode_cached() else [_NO_BYTECODE]),
        ]
    )


_NO_BYTECODE = (
    "Note: showcall's modules have no cached bytecode here (PYTHONDONTWRITEBYTECODE, or a fresh checkout), so "
    "every `showcall check` compiles them first; `pip install` caches it (python -m compileall showcall does too)."
)


def _bytecode_cached() -> bool:
    """True when showcall's own modules have compiled bytecode on disk, as after `pip install`."""
    import importlib.util

    import showcall.compile.showfile

    source = showcall.compile.showfile.__file__
    return source is not None and Path(importlib.util.cache_from_source(source)).exists()
