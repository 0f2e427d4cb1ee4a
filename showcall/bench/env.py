"""Provides `showcall bench timing`'s environment record: machine, kernel, clocks, limits, versions, what the core got.

Figures mean little without it: the same code is ~100× better with SCHED_FIFO on a quiet machine than
without it on a busy one, so the report says which it was.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import platform
import resource
from dataclasses import dataclass
from importlib import metadata

from showcall.timing.priority import has_cap_sys_nice
from showcall.timing.protocol import CoreInfo
from showcall.timing.waiter import Waiter

__all__ = ["Environment", "environment"]


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace").strip()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _kernel_hz() -> str:
    try:
        with gzip.open("/proc/config.gz", "rt") as f:
            for line in f:
                if line.startswith("CONFIG_HZ="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _limit(which: int) -> str:
    soft, _ = resource.getrlimit(which)
    return "unlimited" if soft == resource.RLIM_INFINITY else str(soft)


@dataclass(frozen=True, slots=True)
class Environment:
    """What the figures were measured on, and with what the core was granted."""

    when: str
    kernel: str
    hz: str
    cpu: str
    clocksource: str
    python: str
    libraries: dict[str, str]
    user: str
    rlimit_rtprio: str
    rlimit_nice: str
    cap_sys_nice: bool
    sched_rt_runtime_us: str
    load_average: str
    realtime_requested: bool
    priority: str
    realtime: bool
    timer_slack_ns: int | None
    mode: str
    guard_us: float
    wait: str
    notes: tuple[str, ...]
    samples_per_condition: int
    mean_interval_ms: float
    ui_chunk_ms: float

    def lines(self) -> str:
        """The report's header."""
        libs = ", ".join(f"{k} {v}" for k, v in self.libraries.items())
        rt = "requested" if self.realtime_requested else "NOT requested"
        return "\n".join(
            [
                f"showcall bench timing — {self.when}",
                f"machine:  {self.cpu}; {self.kernel}; HZ {self.hz}; clocksource {self.clocksource}",
                f"python:   {self.python}; {libs}",
                f"limits:   {self.user}; RLIMIT_RTPRIO {self.rlimit_rtprio}; RLIMIT_NICE {self.rlimit_nice}; "
                f"CAP_SYS_NICE {'yes' if self.cap_sys_nice else 'no'}; "
                f"sched_rt_runtime_us {self.sched_rt_runtime_us}; load {self.load_average}",
                f"core:     {self.priority} (real-time {rt}); timer slack {self.timer_slack_ns} ns; "
                f"mode {self.mode}, guard {self.guard_us:g} µs; waits on {self.wait}",
                f"notes:    {'; '.join(self.notes) or 'none'}",
                f"run:      {self.samples_per_condition} sends per scheduler per condition, a deadline every "
                f"{self.mean_interval_ms:g} ms on average (±40 %), UI-like load in {self.ui_chunk_ms:g} ms chunks",
            ]
        )


def environment(info: CoreInfo, args: argparse.Namespace) -> Environment:
    """Everything that explains the figures."""
    waiter = Waiter()
    precise = waiter.precise
    waiter.close()
    return Environment(
        when=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        kernel=f"{platform.system()} {platform.release()} {platform.version()}",
        hz=_kernel_hz(),
        cpu=f"{os.cpu_count()} × {_cpu_model()}",
        clocksource=_read("/sys/devices/system/clocksource/clocksource0/current_clocksource") or "unknown",
        python=f"{platform.python_implementation()} {platform.python_version()}",
        libraries={d: _version(d) for d in ("showcall", "python-osc", "mido", "textual")},
        user="root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
        rlimit_rtprio=_limit(resource.RLIMIT_RTPRIO),
        rlimit_nice=_limit(resource.RLIMIT_NICE),
        cap_sys_nice=has_cap_sys_nice(),
        sched_rt_runtime_us=_read("/proc/sys/kernel/sched_rt_runtime_us"),
        load_average=" ".join(_read("/proc/loadavg").split(" ")[:3]),
        realtime_requested=not args.no_rt,
        priority=info.priority,
        realtime=info.realtime,
        timer_slack_ns=info.timer_slack_ns,
        mode=info.mode,
        guard_us=info.guard_ns / 1000,
        wait="timerfd (ns)" if precise else "epoll (ms) + sleep",
        notes=info.notes,
        samples_per_condition=args.samples,
        mean_interval_ms=args.interval_ms,
        ui_chunk_ms=args.ui_chunk_ms,
    )
