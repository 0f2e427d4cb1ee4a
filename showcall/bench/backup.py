"""Provides `showcall bench backup`: take-over trials of a main and its backup, judged by a receiver.

Each trial (showcall.bench.linkrig) starts a main and its backup as real processes on loopback, GOes a follow
chain on the main and breaks the main at a seeded random moment of it: `kill` is kill -9 of the main's process
(a crash: its connection closes, its port refuses, the backup takes over at once), `freeze` is SIGSTOP of its
whole process group, never continued (a machine gone silent: the backup takes over after the heartbeat
window). The backup runs `--takeover-policy fire`. The receiver counts every cue: duplicates and missing must
be 0, and the take-over gap (the delay of the first cue due after the fault) within heartbeat + 100 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import tempfile
from pathlib import Path

from showcall.bench.clockpeer import measure
from showcall.bench.linkrig import MS, Trial, run_trial
from showcall.stats import percentile

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Kill -9 (or freeze) the main at random points of a follow chain, N seeded trials each, and count at a "
    "UDP receiver what arrived: duplicates, missing, and the take-over gap p50/p99/max; then the link's clock "
    "conversion between two processes."
)
HEARTBEAT_MS = 500
BOUND_MS = HEARTBEAT_MS + 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Trials, faults, the chain, --json."""
    parser.description = DESCRIPTION
    parser.add_argument("--trials", type=int, default=30, metavar="N", help="trials per fault (default 30)")
    parser.add_argument("--fault", default="kill,freeze", help="kill, freeze or both (default kill,freeze)")
    parser.add_argument("--seed", type=int, default=0, help="the first trial's seed (default 0)")
    parser.add_argument("--cues", type=int, default=16, help="cues in the chain (default 16)")
    parser.add_argument("--spacing", type=int, default=200, metavar="MS", help="ms between cues (default 200)")
    parser.add_argument("--pings", type=int, default=200, help="pings for the clock conversion figure (default 200)")
    parser.add_argument("--json", action="store_true", help="the results as JSON on stdout")


def _rank(values: list[float], fraction: float) -> float:
    return percentile(sorted(values), fraction)


def _summary(trials: list[Trial]) -> dict[str, object]:
    gaps = [t.verdict.gap_ns / MS for t in trials if t.verdict.gap_ns is not None]
    return {
        "trials": len(trials),
        "duplicates": sum(len(t.verdict.duplicates) for t in trials),
        "missing": sum(len(t.verdict.missing) for t in trials),
        "both_live": sum(1 for t in trials if t.verdict.interleaved),
        "in_doubt": sum(len(t.took_over.get("doubts", [])) for t in trials),
        "gap_ms": {"p50": _rank(gaps, 0.5), "p99": _rank(gaps, 0.99), "max": max(gaps)} if gaps else None,
    }


def run(args: argparse.Namespace) -> int:
    """Run the trials and print the figures; exit 1 when a trial duplicated, missed, or overran the bound."""
    faults = [f.strip() for f in args.fault.split(",") if f.strip()]
    if not faults or any(f not in {"kill", "freeze"} for f in faults) or args.trials < 1:
        print("showcall: --fault takes kill, freeze or kill,freeze; --trials at least 1", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    print(
        f"showcall bench backup: {args.trials} trials per fault, a {args.cues}-cue follow chain "
        f"({args.spacing} ms apart) to a UDP receiver, heartbeat {HEARTBEAT_MS} ms, --takeover-policy fire\n"
        f"machine: {platform.node()}, {platform.machine()}, Python {platform.python_version()}",
        file=out,
    )
    results: dict[str, list[Trial]] = {}
    for fault in faults:
        for n in range(args.trials):
            with tempfile.TemporaryDirectory(prefix="showcall-backup-") as workdir:
                trial = run_trial(Path(workdir), args.seed + n, fault, cues=args.cues, spacing_ms=args.spacing)
            results.setdefault(fault, []).append(trial)
            v = trial.verdict
            gap = f"{v.gap_ns / MS:8.2f} ms" if v.gap_ns is not None else "       -   "
            print(
                f"  {fault:6} seed {trial.seed:3}  fault {trial.fault_after_ms:7.1f} ms into the chain  gap {gap}"
                f"  in doubt {len(trial.took_over.get('doubts', []))}"
                f"  duplicates {list(v.duplicates)}  missing {list(v.missing)}"
                + ("  BOTH LIVE" if v.interleaved else "")
                + (
                    f"  (connection ended {trial.lost_after_ms:.1f} ms in)"
                    if v.duplicates and trial.lost_after_ms
                    else ""
                ),
                file=out,
                flush=True,
            )
    summaries = {fault: _summary(trials) for fault, trials in results.items()}
    print(
        f"\n{'fault':8}{'trials':>7}{'duplicates':>12}{'missing':>9}{'both live':>11}{'in doubt':>10}"
        f"{'gap p50':>11}{'gap p99':>11}{'gap max':>11}",
        file=out,
    )
    failed = False
    for fault, s in summaries.items():
        gaps = s["gap_ms"]
        assert gaps is None or isinstance(gaps, dict)
        cells = [f"{gaps[k]:8.2f} ms" for k in ("p50", "p99", "max")] if gaps else ["-"] * 3
        print(
            f"{fault:8}{s['trials']:>7}{s['duplicates']:>12}{s['missing']:>9}{s['both_live']:>11}{s['in_doubt']:>10}"
            + "".join(f"{c:>11}" for c in cells),
            file=out,
        )
        failed |= bool(s["duplicates"] or s["missing"] or s["both_live"] or (gaps and gaps["max"] > BOUND_MS))
    clock = measure(args.pings)
    print(
        f"clock conversion, {clock.samples} pings between two processes (true offset 0): kept estimate "
        f"{clock.offset_ns / 1000:+.1f} µs (bound ±{clock.bound_ns / 1000:.1f} µs; round trip min "
        f"{clock.rtt_min_ns / 1000:.0f} µs, p50 {clock.rtt_p50_ns / 1000:.0f} µs); a single ping strays "
        f"p50 {clock.single_abs_p50_ns / 1000:.1f} µs, max {clock.single_abs_max_ns / 1000:.1f} µs",
        file=out,
    )
    print(
        "gap: the delay of the first cue due after the fault (heartbeat + 100 ms = "
        f"{BOUND_MS} ms is the bound)\nverdict: " + ("FAIL" if failed else "PASS"),
        file=out,
    )
    if args.json:
        print(json.dumps({"faults": summaries, "clock": dataclasses.asdict(clock), "pass": not failed}, indent=2))
    return 1 if failed else 0
