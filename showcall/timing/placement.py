"""Provides CPU placement: the timing core on a CPU of its own, the rest of showcall on the others.

Without real-time priority, the core's worst sends come from sharing a CPU: when its timer fires, or in the
middle of a 512-message burst, whatever else runs on that CPU (the console rendering, the simulators, the
web server) may hold it for a scheduler tick. Pinning the core to one CPU and every thread of the console's
process to the others takes showcall's own work off the core's CPU; no privilege is needed to set the
affinity of one's own processes (sched_setaffinity). Another program can still land on the core's CPU:
the core's short EEVDF slice (priority.py) is what gets it the CPU back then.

A core with real-time priority is not pinned and the console keeps every CPU: SCHED_FIFO takes a CPU from
any normal task wherever it runs, and a pinned console would only lose the CPU the core leaves idle.
Measured with `showcall bench timing` (docs/timing.md, "Unprivileged levers").

On a machine with one usable CPU nothing is pinned. The console's side is undone when the core stops, so a
process that starts and stops cores (the test suite) is not left pinned.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

__all__ = ["Placement", "choose_core_cpu", "pin_self", "pin_threads"]


def choose_core_cpu(allowed: set[int]) -> int | None:
    """The CPU for the core: the highest-numbered one allowed (CPU 0 takes most interrupts), or None with
    fewer than two CPUs (pinning would then put the core and the console on the same one anyway)."""
    return max(allowed) if len(allowed) >= 2 else None


def pin_self(cpu: int) -> str | None:
    """Pin the calling process's thread to `cpu` (the core has one thread); None on success, else why not."""
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return f"not pinned to CPU {cpu}: {exc.strerror}"
    return None


def pin_threads(cpus: set[int]) -> int:
    """Pin every thread of this process to `cpus` (sched_setaffinity(0) is per thread: the others are found in
    /proc/self/task). Threads made later inherit it from their creator. Returns how many were pinned."""
    pinned = 0
    try:
        tids = [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    for tid in tids:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(tid, cpus)
            pinned += 1
    return pinned


@dataclass
class Placement:
    """The console's side of the placement: keeps this process's threads off the core's CPU while any core
    started with `pin=True` runs. One placement is shared by every such core of the process (the console's
    core and its warm spare, the benchmark's several clients): the first decides, the last to stop undoes it."""

    core_cpu: int | None
    before: set[int]
    users: int = 0

    @classmethod
    def acquire(cls) -> Placement:
        """The process's placement (decided now if no core holds one), counted until `release()`."""
        if not _SHARED or _SHARED[0].users == 0:
            try:
                allowed = os.sched_getaffinity(0)
            except (AttributeError, OSError):
                allowed = set()
            _SHARED[:] = [cls(choose_core_cpu(allowed), set(allowed))]
        shared = _SHARED[0]
        shared.users += 1
        return shared

    def keep_off(self) -> None:
        """Move this process's threads to the CPUs the core does not use."""
        if self.core_cpu is not None:
            pin_threads(self.others)

    def release(self) -> None:
        """One core stopped; the last gives this process's threads back every CPU they had."""
        self.users = max(0, self.users - 1)
        if self.users == 0 and self.core_cpu is not None and self.before:
            pin_threads(self.before)

    @property
    def others(self) -> set[int]:
        """The CPUs showcall's other work runs on."""
        return self.before - {self.core_cpu} if self.core_cpu is not None else set(self.before)

    def describe(self) -> str:
        """e.g. `core on CPU 1, showcall on CPU 0` (or why nothing was pinned)."""
        if self.core_cpu is None:
            return "not pinned (one CPU)"
        return f"core on CPU {self.core_cpu}, showcall on CPU {','.join(str(c) for c in sorted(self.others))}"


_SHARED: list[Placement] = []
"""The process's one placement while a pinned core runs (a list: a module global without `global`)."""
