"""Provides `showcall bench report`: how long `showcall report` takes on a 10,000-cue log. Target: under 2 s.

The log is synthesised, not recorded: a real run of a 10,000-cue show takes hours (each manual cue waits
at least the show's go_guard). It has the shape of a real run: the generated show (`showcall.bench.showgen`)
compiled, then for each cue in order the events a headless run writes, built with the engine's own event
types so every line is as showcall writes it — `standby`, `go` (source `auto`, or `follow` for a follow
cue), one `sent` per wire message at its offset (a `wait` shifts the ones after it) with a lateness drawn
from what rehearsals log (a few µs, one in 50 at 40-400 µs, one in 2,000 at 1-3 ms), `complete`,
device `feedback` — plus a hold every 500 cues, the playback machine offline for 20 cues (its sends
failed), and a refused GO.

The show is kept beside the log as a run keeps it (showcall.diff.store, its digest in `loaded`), so the
report reads the show as it ran, as it does after a real run; `--show` times reading the show file instead.
Each figure is the median (nearest rank) of `--runs` fresh processes, `python -m showcall report LOG ...`
timed from spawn to exit, interpreter start-up included, with the CPU time beside it.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from showcall.engine import events as ev

if TYPE_CHECKING:
    from showcall.compile.plan import Plan

TARGET_S = 2.0
TARGET_CUES = 10_000
DESCRIPTION = (
    "Time `showcall report` on a synthesised log of a 10,000-cue run (text, --show, --json and --html), each the "
    "median of fresh processes; print the figures and the verdict (target: under 2 s)."
)
S = 1_000_000_000
OUTAGE = "snd"
"""The device that goes offline for 20 cues a third of the way in (the generated show's playback machine)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and description of `showcall bench report`."""
    parser.description = DESCRIPTION
    parser.add_argument("--cues", type=int, default=TARGET_CUES, help="cues in the generated show (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure; medians shown (default 5)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the show and the log into DIR and keep them")
    parser.add_argument("--json", action="store_true", help="print every figure (each run's too) as JSON on stdout")


def synthetic_events(plan: Plan, show: Path, digest: str = "", seed: int = 12) -> Iterator[ev.Event]:
    """The events of an unattended run of `plan` (the show at `show`, whose kept copy has `digest`; see the
    module docstring)."""
    from showcall.model.show import Follow

    rng = random.Random(seed)  # the same log every time: runs are comparable
    now = 1_000 * S
    yield ev.Loaded(
        now, plan.show.info.title, str(show), len(plan.cues), tuple(plan.devices), 1_773_471_600 * S, False, digest
    )
    yield ev.TimingInfo(now + 200_000, "precise", "SCHED_OTHER", False, ("no real-time priority: not permitted",))
    down_from, down_to = len(plan.cues) // 3, len(plan.cues) // 3 + 20
    for index, compiled in enumerate(plan.cues):
        cue = compiled.cue
        yield ev.Standby(now, cue.id, cue.standby_text, {cue.dept: cue.id})
        if index == 7:
            yield ev.Refused(now + S // 10, "go", "GO refused: 0.12 s after the last GO, guard is 0.25 s")
        if index and index % 500 == 0:
            yield ev.Hold(now, "talent not ready")
            held = rng.randrange(5, 90) * S
            now += held
            yield ev.Resume(now, held)
        if index == down_from:
            yield ev.DeviceEvent(now, OUTAGE, "offline", "connection refused")
        fire = now + S // 1000
        source = "follow" if isinstance(cue.go, Follow) else "auto"
        yield ev.Go(fire + 300_000, cue.id, source, fire, cue.dept)
        last = fire
        for item, message in enumerate(compiled.messages):
            due = fire + message.offset_ns
            if message.device == OUTAGE and down_from <= index < down_to:
                yield ev.SendFailedEvent(due + 40_000, cue.id, message.device, due, "connection refused", item)
                continue
            late_us = _lateness(rng)
            sent = due + int(late_us * 1000)
            yield ev.SentEvent(sent + 60_000, cue.id, message.device, due, sent, late_us, item)
            last = max(last, sent)
        yield ev.Complete(last + 80_000, cue.id, 0)
        yield ev.FeedbackEvent(last + 500_000, "lx", "active_cue", f"active cue 1/{index} (0%)")
        if index == down_to:
            yield ev.DeviceEvent(last + 1_000_000, OUTAGE, "online", "")
        now = last + S * 3 // 10 + rng.randrange(0, S * 20)  # the next GO: the auto gap plus the caller's pace
    yield ev.End(now, "complete")


def _lateness(rng: random.Random) -> float:
    """One send's lateness in µs, in the proportions rehearsals on this machine log."""
    draw = rng.random()
    if draw < 1 / 2000:
        return round(rng.uniform(1000, 3000), 1)
    if draw < 1 / 50:
        return round(rng.uniform(40, 400), 1)
    return round(rng.uniform(2.5, 9.0), 1)


def write_log(show: Path, log: Path) -> int:
    """Write the synthesised log of a run of `show` to `log`, and keep the show beside it as a run does (its
    digest in the `loaded` event); returns the log's number of lines."""
    from showcall.compile.showfile import load_show
    from showcall.diff import keep_show, record_show

    loaded = load_show(show)
    if loaded.plan is None or loaded.sources is None:
        raise RuntimeError(f"the generated show {show} does not load: {loaded.problems[:3]}")
    record = record_show(loaded.plan, loaded.sources)
    keep_show(log, record)
    count = 0
    with log.open("w", encoding="utf-8") as out:
        for event in synthetic_events(loaded.plan, show, record.digest):
            out.write(event.to_json() + "\n")
            count += 1
    return count


def run(args: argparse.Namespace) -> int:
    """Synthesise the log, time the report on it; print the figures and the verdict (exit 0 whatever they are)."""
    import json
    import os
    import sys
    import tempfile

    from showcall.bench.showgen import write_synthetic_show

    if args.cues < 1 or args.runs < 1:
        print("showcall bench report: --cues and --runs must be at least 1", file=sys.stderr)
        return 2
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="showcall-bench-report-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        show = write_synthetic_show(folder / f"synthetic-{args.cues}.yaml", args.cues)
        log = folder / f"synthetic-{args.cues}.jsonl"
        result: dict[str, Any] = {
            "cues": args.cues,
            "events": write_log(show, log),
            "log_bytes": log.stat().st_size,
            "log": log.name,
            "runs": args.runs,
            "target_s": TARGET_S,
            "figures": {},
        }
        variants: dict[str, list[str]] = {
            "text": [],
            "--show": ["--show", str(show)],
            "--json": ["--json"],
            "--html": ["--html", str(folder / "r.html")],
        }
        for label, extra in variants.items():
            try:
                samples = [_time_report(log, extra) for _ in range(args.runs)]
            except RuntimeError as exc:
                print(f"showcall bench report: {exc}", file=sys.stderr)
                return 1
            wall, cpu = _median(samples)
            result["figures"][label] = {"wall_s": wall, "cpu_s": cpu, "samples": samples}
    result["met"] = result["figures"]["text"]["wall_s"] < TARGET_S if args.cues == TARGET_CUES else None
    result["machine"] = {"cores": os.cpu_count(), "load_average_1min": [before, os.getloadavg()[0]]}
    print(json.dumps(result, indent=2) if args.json else _text(result))
    return 0


def _text(result: dict[str, Any]) -> str:
    """The figures as the terminal shows them."""
    lines = [
        f"A synthesised log of a {result['cues']}-cue run: {result['events']:,} events, "
        f"{result['log_bytes'] / 1024 / 1024:.1f} MiB ({result['log']})",
        f"`showcall report` wall time, interpreter start-up included, median of {result['runs']} fresh processes:",
    ]
    for label, figure in result["figures"].items():
        line = f"  {label:<8} {figure['wall_s']:6.3f} s  (CPU {figure['cpu_s']:6.3f} s)"
        if label == "text" and result["met"] is not None:
            line += f"   target < {TARGET_S:.0f} s for {TARGET_CUES} cues: {'met' if result['met'] else 'MISSED'}"
        lines.append(line)
    before, after = result["machine"]["load_average_1min"]
    lines.append(
        f"Machine: {result['machine']['cores']} cores, 1-minute load average {before:.2f} before and {after:.2f} after"
    )
    return "\n".join(lines)


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    from showcall.stats import percentile

    return percentile(sorted(s[0] for s in samples), 0.5), percentile(sorted(s[1] for s in samples), 0.5)


def _time_report(log: Path, extra: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m showcall report LOG ...` process."""
    import resource
    import subprocess
    import sys
    import time

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu_before, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "report", str(log), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"showcall report exited {done.returncode}:\n{done.stderr.strip()}")
    return wall, cpu
