"""Provides `showcall bench timing`'s results, the verdict against the promise and the printed report.

Percentiles are `showcall.stats`'s nearest rank on the raw samples (no interpolation, no histogram): with n
samples, p99.9 is the value with ⌈0.999·n⌉ − 1 samples below it, so with 2,000 samples two are above it. The
tables print n beside every row so a reader can tell how much a tail figure rests on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from showcall.bench.env import Environment
from showcall.stats import summarize as spread

__all__ = [
    "BenchResult",
    "BurstResult",
    "ConditionResult",
    "Lateness",
    "ModeResult",
    "PanicResult",
    "SchedulerRow",
    "Target",
    "format_table",
    "render",
    "summarize",
    "verdict",
]

US = 1000


@dataclass(frozen=True, slots=True)
class Lateness:
    """Lateness of n sends after their deadlines, in µs; `lost` counts expected sends that never showed."""

    n: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    min: float
    early: int
    over_1ms: int
    over_5ms: int
    lost: int


def summarize(late_ns: Sequence[int], expected: int) -> Lateness:
    """Summarize lateness samples (ns) against how many sends were expected."""
    lost = max(0, expected - len(late_ns))
    figures = spread(late_ns)
    if figures is None:
        return Lateness(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0, 0, 0, lost)
    us = figures.scaled(US)
    return Lateness(
        n=us.n,
        p50=us.p50,
        p90=us.p90,
        p99=us.p99,
        p999=us.p999,
        max=us.max,
        min=us.min,
        early=sum(1 for v in late_ns if v < 0),
        over_1ms=sum(1 for v in late_ns if v > 1_000_000),
        over_5ms=sum(1 for v in late_ns if v > 5_000_000),
        lost=lost,
    )


@dataclass(frozen=True, slots=True)
class SchedulerRow:
    """One scheduler in one condition: at the wire (receiver's kernel timestamps) and at the sender."""

    wire: Lateness
    sender: Lateness
    cpu_percent: float | None


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """One load condition: the core, the naive scheduler, and what else the machine was doing."""

    core: SchedulerRow
    naive: SchedulerRow | None
    others_cpu_percent: float
    receiver_drops: int
    clock_drift_us: float


@dataclass(frozen=True, slots=True)
class ModeResult:
    """One mode under UI load, and the core's CPU share at the benchmark's cue rate."""

    guard_us: float
    row: SchedulerRow
    cpu_at_rate_percent: float | None = None


@dataclass(frozen=True, slots=True)
class BurstResult:
    """Cues of many messages sharing one deadline: when the first and last reached the wire."""

    cues: int
    size: int
    first_on_wire: Lateness
    last_on_wire: Lateness
    last_at_sender: Lateness
    lost: int
    in_order: bool


@dataclass(frozen=True, slots=True)
class PanicResult:
    """Panic latency (request to every pending send cancelled) and whether anything leaked past it."""

    trials: int
    latency: Lateness
    sent_after_panic: int
    stop_packets: int


@dataclass(frozen=True, slots=True)
class Target:
    """One promise checked: what was measured against what was promised."""

    what: str
    measured: float
    limit: float
    unit: str

    @property
    def met(self) -> bool:
        """Measured at or under the limit (a missing measurement is not met)."""
        return self.measured <= self.limit

    def line(self) -> str:
        """e.g. `PASS  p99 on the wire, UI load     143.2 µs ≤ 250 µs`."""
        word = "PASS" if self.met else "MISS"
        return f"{word}  {self.what:<50} {self.measured:>9.1f} {self.unit} ≤ {self.limit:g} {self.unit}"


@dataclass
class BenchResult:
    """Everything one run measured."""

    environment: Environment
    conditions: dict[str, ConditionResult] = field(default_factory=dict)
    modes: dict[str, ModeResult] = field(default_factory=dict)
    burst: BurstResult | None = None
    panic: PanicResult | None = None
    verdict: list[Target] = field(default_factory=list)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """For `--json` (NaN, for no samples, becomes null)."""
        data = asdict(self)
        data["verdict"] = [{**asdict(t), "met": t.met} for t in self.verdict]
        return {k: _nan_to_none(v) for k, v in data.items()}


def _nan_to_none(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value


def verdict(result: BenchResult, realtime: bool, burst_size: int, cpu_rate: float) -> list[Target]:
    """The promise (design.md §7) checked against this run: UI-load figures, early, burst, CPU, panic."""
    targets: list[Target] = []
    ui = result.conditions.get("ui")
    if ui is not None:
        wire = ui.core.wire
        tail_limit = 1000 if realtime else 2000
        targets += [
            Target("p50 on the wire, UI load", wire.p50, 50, "µs"),
            Target("p99 on the wire, UI load", wire.p99, 250, "µs"),
            Target(f"p99.9 on the wire, UI load{' (real-time)' if realtime else ''}", wire.p999, tail_limit, "µs"),
            Target("lost, UI load", wire.lost, 0, "sends"),
        ]
    early = sum(c.core.wire.early + c.core.sender.early for c in result.conditions.values())
    targets.append(Target("early sends by the core, every condition", early, 0, "sends"))
    if result.burst is not None and result.burst.last_on_wire.n:
        last = result.burst.last_on_wire.max
        targets.append(Target(f"{burst_size}-message cue, last on the wire (worst)", last, 2000, "µs"))
    precise = result.modes.get("precise")
    if precise is not None and precise.cpu_at_rate_percent is not None:
        targets.append(Target(f"core CPU at {cpu_rate:g} cues/s, precise", precise.cpu_at_rate_percent, 3, "%"))
    if result.panic is not None and result.panic.latency.n:
        targets.append(Target("panic, all pending sends cancelled (worst)", result.panic.latency.max, 1000, "µs"))
    return targets


# ---- text ---------------------------------------------------------------------------------------

SUMMARY_HEADER = ("n", "p50", "p90", "p99", "p99.9", "max", "min", "early", ">1ms", ">5ms", "lost")


def _us(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f}ms"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def _cells(s: Lateness) -> list[str]:
    figures = [_us(v) for v in (s.p50, s.p90, s.p99, s.p999, s.max, s.min)]
    return [str(s.n), *figures, str(s.early), str(s.over_1ms), str(s.over_5ms), str(s.lost)]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table: first columns left-aligned up to the first figure, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            str(c).ljust(w) if i < 3 and not str(c)[:1].isdigit() else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)  # fmt: skip


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def render(result: BenchResult) -> str:
    """The whole report as printed."""
    out = [result.environment.lines(), ""]
    rows = []
    for condition, c in result.conditions.items():
        for who, row in (("naive", c.naive), ("core", c.core)):
            if row is None:
                continue
            cpu = _pct(row.cpu_percent)
            rows.append([condition, who, "wire", *_cells(row.wire), cpu, f"{c.others_cpu_percent:.0f}"])
            rows.append(["", "", "sender", *_cells(row.sender), "", ""])
    out.append(
        "Lateness after the deadline, µs (wire: kernel receive time at the receiver; sender: just before send())"
    )
    out.append(format_table(["condition", "scheduler", "at", *SUMMARY_HEADER, "cpu%", "others%"], rows))
    out.append("cpu%: the core process's CPU over the phase (one core = 100); others%: the machine's CPU used by")
    out.append("processes other than the benchmark's own, as a share of all cores")
    if result.modes:
        out += ["", "Modes under UI load (the core, on the wire) and the core's CPU at the cue rate"]
        mrows = [
            [name, f"{m.guard_us:g}", *_cells(m.row.wire), _pct(m.row.cpu_percent), _pct(m.cpu_at_rate_percent)]
            for name, m in result.modes.items()
        ]
        out.append(format_table(["mode", "guard µs", *SUMMARY_HEADER, "cpu%", "cpu% @rate"], mrows))
    if result.burst is not None:
        b = result.burst
        out += ["", f"One cue of {b.size} OSC messages, {b.cues} times under UI load: µs after the deadline"]
        brows = [
            ["first on the wire", *_cells(b.first_on_wire)],
            ["last on the wire", *_cells(b.last_on_wire)],
            ["last at sender", *_cells(b.last_at_sender)],
        ]
        out.append(format_table(["", *SUMMARY_HEADER], brows))
        out.append(f"datagrams lost: {b.lost}; every cue arrived in order: {'yes' if b.in_order else 'NO'}")
        out.append("(at sender: a cue's messages leave in send_many calls; each is stamped just after its call)")
    if result.panic is not None:
        pr = result.panic
        out += ["", f"Panic under UI load, {pr.trials} trials: µs from panic() to every pending send cancelled"]
        out.append(format_table(["", *SUMMARY_HEADER], [["latency", *_cells(pr.latency)]]))
        out.append(
            f"sends on the wire after the core acknowledged their panic: {pr.sent_after_panic}; "
            f"stop packets received: {pr.stop_packets}"
        )
    ui = result.conditions.get("ui")
    if ui is not None and ui.naive is not None and ui.core.wire.p99 > 0:
        ratio = ui.naive.wire.p99 / ui.core.wire.p99
        out += ["", f"Under UI load the naive scheduler's p99 on the wire is {ratio:.0f}× the core's."]
    out += ["", "Verdict against the promise (design.md §7):", *(t.line() for t in result.verdict)]
    out.append(f"\n(run took {result.duration_s:.0f} s)")
    return "\n".join(out)
