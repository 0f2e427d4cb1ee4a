"""Provides `acquire`: ask the kernel for the best scheduling the core may have, and say what it got.

In order: SCHED_FIFO (needs RLIMIT_RTPRIO > 0 or CAP_SYS_NICE; see docs/timing.md for granting it);
otherwise SCHED_OTHER with a lower nice value when RLIMIT_NICE allows it, and a 100 µs EEVDF slice
(Linux ≥ 6.12, allowed unprivileged): a task with a short slice gets an early virtual deadline, so when its
timer fires on a busy CPU it preempts the running task instead of waiting for the 4 ms tick. The timer slack
is set to 1 ns either way (it is ignored under SCHED_FIFO, which has none).

Everything here acts on the calling process: only the core process (and tests in a child process) call it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
from dataclasses import dataclass

__all__ = ["PriorityGrant", "acquire", "get_timer_slack", "has_cap_sys_nice", "set_fair_slice", "set_timer_slack"]

PR_SET_TIMERSLACK = 29
PR_GET_TIMERSLACK = 30
CAP_SYS_NICE = 23
DEFAULT_RT_PRIORITY = 10
"""Low on purpose: above every normal task, below the kernel's threaded interrupts (50)."""
DEFAULT_SLICE_NS = 100_000
"""The shortest slice the kernel accepts for a SCHED_OTHER task."""

_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274, "arm64": 274}


@dataclass(frozen=True, slots=True)
class PriorityGrant:
    """What the kernel granted: policy, real-time priority, nice, EEVDF slice, timer slack, and why not more."""

    policy: str
    rt_priority: int
    nice: int
    slice_ns: int | None
    timer_slack_ns: int | None
    notes: tuple[str, ...]

    @property
    def realtime(self) -> bool:
        """True under SCHED_FIFO."""
        return self.policy == "SCHED_FIFO"

    def describe(self) -> str:
        """e.g. `SCHED_FIFO 10` or `SCHED_OTHER nice 0, 100 µs slice`."""
        if self.realtime:
            return f"SCHED_FIFO {self.rt_priority}"
        text = f"{self.policy} nice {self.nice}"
        if self.slice_ns is not None:
            text += f", {self.slice_ns // 1000} µs slice"
        return text


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def set_timer_slack(slack_ns: int) -> int | None:
    """Set this thread's timer slack (how late the kernel may fire its timers); returns the slack in force.

    0 would mean "back to the default", so at least 1 ns is asked for.
    """
    _libc().prctl(PR_SET_TIMERSLACK, ctypes.c_ulong(max(1, slack_ns)), 0, 0, 0)
    return get_timer_slack()


def get_timer_slack() -> int | None:
    """This thread's timer slack in ns, or None where prctl is not available."""
    try:
        value = int(_libc().prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0))
    except (AttributeError, OSError):
        return None
    return value if value >= 0 else None


class _SchedAttr(ctypes.Structure):
    # The layout of struct sched_attr (include/uapi/linux/sched/types.h).
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
        ("sched_util_min", ctypes.c_uint32),
        ("sched_util_max", ctypes.c_uint32),
    ]


def set_fair_slice(slice_ns: int, nice: int = 0) -> str | None:
    """Ask for a custom EEVDF slice for this SCHED_OTHER process; None on success, else why not."""
    number = _SCHED_SETATTR.get(platform.machine())
    if number is None:
        return f"custom slice not tried: sched_setattr number unknown on {platform.machine()}"
    attr = _SchedAttr()
    attr.size = ctypes.sizeof(_SchedAttr)
    attr.sched_policy = os.SCHED_OTHER
    attr.sched_nice = nice
    attr.sched_runtime = slice_ns
    libc = _libc()
    if libc.syscall(number, 0, ctypes.byref(attr), 0) != 0:
        code = ctypes.get_errno()
        return f"custom slice refused: {os.strerror(code)} (needs Linux ≥ 6.12)"
    return None


def has_cap_sys_nice() -> bool:
    """Whether this process holds CAP_SYS_NICE (so the kernel grants SCHED_FIFO whatever RLIMIT_RTPRIO says)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_SYS_NICE & 1)
    except OSError:
        pass
    return False


def _try_fifo(rt_priority: int, notes: list[str]) -> int | None:
    """Switch to SCHED_FIFO; the priority granted, or None (with a note saying why)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_RTPRIO)
    wanted = [rt_priority]
    if 0 < soft < rt_priority:
        wanted.append(int(soft))  # the owner granted less than we asked: take what limits.conf allows
    for prio in wanted:
        try:
            # SCHED_RESET_ON_FORK: nothing the core might start inherits real-time priority.
            os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(prio))
        except PermissionError:
            continue
        except OSError as exc:
            notes.append(f"SCHED_FIFO refused: {exc.strerror}")
            return None
        return prio
    cap = "CAP_SYS_NICE" if has_cap_sys_nice() else "no CAP_SYS_NICE"
    notes.append(f"SCHED_FIFO refused (EPERM): RLIMIT_RTPRIO is {soft}, {cap}; docs/timing.md says how to grant it")
    return None


def _try_nice(notes: list[str]) -> int:
    """Lower nice as far as RLIMIT_NICE allows (down to -10); returns the nice value in force."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NICE)
    floor = 20 - int(soft) if soft not in (resource.RLIM_INFINITY,) else -20
    target = max(-10, floor)
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if target < current:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, target)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EACCES):
                raise
            notes.append(f"nice {target} refused: {exc.strerror}")
    return os.getpriority(os.PRIO_PROCESS, 0)


def acquire(
    realtime: bool = True,
    rt_priority: int = DEFAULT_RT_PRIORITY,
    slice_ns: int = DEFAULT_SLICE_NS,
    timer_slack_ns: int = 1,
) -> PriorityGrant:
    """Get the best scheduling allowed for this process (see module docstring) and report it.

    With `realtime` False nothing privileged is asked for (no SCHED_FIFO, no lower nice), which is how the
    benchmark measures an ordinary unprivileged machine even when it runs as root.
    """
    notes: list[str] = []
    slack = set_timer_slack(timer_slack_ns)
    if realtime:
        prio = _try_fifo(rt_priority, notes)
        if prio is not None:
            return PriorityGrant("SCHED_FIFO", prio, 0, None, slack, tuple(notes))
        nice = _try_nice(notes)
    else:
        notes.append("real-time priority not requested")
        nice = os.getpriority(os.PRIO_PROCESS, 0)
    refused = set_fair_slice(slice_ns, nice)
    if refused:
        notes.append(refused)
    return PriorityGrant("SCHED_OTHER", 0, nice, None if refused else slice_ns, slack, tuple(notes))
