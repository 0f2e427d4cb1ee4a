"""Provides `showcall bench load`: how long a show takes to load, and `showcall check` to answer.

Two figures, each the median of `--runs` runs, each run in a fresh interpreter so nothing a
previous run loaded or cached is reused:

1. A generated show (`--cues`, 10,000 by default) read, validated and compiled in-process:
   `load_show` end to end, and in another fresh process the same pipeline stage by stage (read
   YAML, validate + expand, lint, compile). Target: under 1.5 s for 10,000 cues.
2. `showcall check` wall time as a user sees it, interpreter start-up included, on a typical show
   (`--show`, shows/summit.yaml) and on the generated one. Target: under 0.5 s on the typical show.

The figures are printed, never asserted: the exit status is 0 whatever they are (1 only when a
show fails to load, which is a bug, not a slow machine).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

LOAD_TARGET_S = 1.5
TARGET_CUES = 10_000
CHECK_TARGET_S = 0.5
STAGES = ("read_yaml", "validate_expand", "lint", "compile")
_STAGE_NAMES = {
    "read_yaml": "read YAML",
    "validate_expand": "validate + expand",
    "lint": "lint",
    "compile": "compile",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall bench load`."""
    parser.add_argument("--cues", type=int, default=10_000, help="cues in the generated show (default 10000)")
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

    from showcall.showgen import write_synthetic_show

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
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_report(result))
    return 0


class _RunFailed(Exception):
    """A measured process failed: the show did not load, or showcall check did not pass it."""


def _measure(generated: Path, typical: Path, cues: int, runs: int) -> dict[str, Any]:
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    load: list[float] = []
    check_typical: list[float] = []
    check_generated: list[float] = []
    for _ in range(runs):  # interleaved, so a burst of load elsewhere on the machine hits every figure alike
        for name, seconds in _in_fresh_process("stages", generated).items():
            stages[name].append(seconds)
        load.append(_in_fresh_process("load_show", generated)["load_show"])
        check_typical.append(_check_wall_time(typical))
        check_generated.append(_check_wall_time(generated))
    load_median = _median(load)
    check_median = _median(check_typical)
    # the load target is stated for 10,000 cues: another size has figures but no verdict
    load_met = load_median < LOAD_TARGET_S if cues == TARGET_CUES else None
    return {
        "runs": runs,
        "generated_show": {"cues": cues, "bytes": generated.stat().st_size},
        "load": {
            "stages_s": {name: _median(values) for name, values in stages.items()},
            "stage_runs_s": stages,
            "load_show_s": load_median,
            "load_show_runs_s": load,
            "target_s": LOAD_TARGET_S,
            "met": load_met,
        },
        "check": {
            "show": str(typical),
            "wall_s": check_median,
            "wall_runs_s": check_typical,
            "target_s": CHECK_TARGET_S,
            "met": check_median < CHECK_TARGET_S,
            "generated_wall_s": _median(check_generated),
            "generated_wall_runs_s": check_generated,
        },
    }


def _in_fresh_process(what: str, show: Path) -> dict[str, float]:
    """Run `_child` in a new interpreter and return the seconds it measured."""
    import json
    import subprocess
    import sys

    code = f"from showcall.commands.bench_load import _child; _child({what!r}, {str(show)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise _RunFailed(f"measuring {what} of {show} failed:\n{done.stderr.strip()}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _check_wall_time(show: Path) -> float:
    """Seconds for `python -m showcall check SHOW` to exit, interpreter start-up included."""
    import subprocess
    import sys
    import time

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "check", str(show)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise _RunFailed(f"showcall check {show} exited {done.returncode}:\n{done.stderr.strip()}")
    return seconds


def _child(what: str, show: str) -> None:
    """In a fresh interpreter: measure `what` on `show` once and print the seconds as JSON."""
    import json
    import time

    from showcall.compile.compiler import compile_show
    from showcall.loader.gcpause import gc_paused
    from showcall.loader.lint import lint_show
    from showcall.loader.show import build_show, read_show_yaml
    from showcall.showfile import load_show

    path = Path(show)
    clock = time.perf_counter
    if what == "load_show":
        start = clock()
        loaded = load_show(path)
        figures = {"load_show": clock() - start}
        ok = loaded.ok
    else:
        # read_show's two stages, timed apart (read_show adds only the collector pause and a branch)
        start = clock()
        with gc_paused():
            yaml = read_show_yaml(path, show, fast=True)
        read = clock()
        with gc_paused():
            built = build_show(yaml)
        validated = clock()
        if built.show is None or built.sources is None or built.problems:
            raise SystemExit(f"{show} did not read cleanly: {built.problems[:3]}")
        problems = lint_show(built.show, built.sources)
        linted = clock()
        plan, compile_problems = compile_show(built.show, built.sources, built.profiles, source=show)
        compiled = clock()
        ok = not problems and not compile_problems and bool(plan.cues)
        figures = {
            "read_yaml": read - start,
            "validate_expand": validated - read,
            "lint": linted - validated,
            "compile": compiled - linted,
        }
    if not ok:
        raise SystemExit(f"{show} did not load cleanly")
    print(json.dumps(figures))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _report(result: dict[str, Any]) -> str:
    runs = result["runs"]
    cues = result["generated_show"]["cues"]
    size_kb = result["generated_show"]["bytes"] / 1024
    load, check = result["load"], result["check"]
    if load["met"] is None:
        verdict = f"(for {TARGET_CUES} cues; this show has {cues})"
    else:
        verdict = f"(for {TARGET_CUES} cues): " + ("met" if load["met"] else "MISSED")
    lines = [
        f"Loading a generated {cues}-cue show ({size_kb:,.0f} KiB), in-process, median of {runs} fresh process(es):",
        *(f"  {_STAGE_NAMES[name]:<20} {load['stages_s'][name]:6.3f} s" for name in STAGES),
        f"  {'stages together':<20} {sum(load['stages_s'].values()):6.3f} s",
        f"  {'load_show':<20} {load['load_show_s']:6.3f} s   target < {load['target_s']} s {verdict}",
        f"`showcall check` wall time, interpreter start-up included, median of {runs}:",
        f"  {check['show']:<20} {check['wall_s']:6.3f} s   target < {check['target_s']} s: "
        + ("met" if check["met"] else "MISSED"),
        f"  {f'{cues}-cue show':<20} {check['generated_wall_s']:6.3f} s",
    ]
    return "\n".join(lines)
