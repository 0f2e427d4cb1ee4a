"""Provides `gather_machine`: the facts the machine checks judge, read from this machine.

Files are read under `root` (a test hands a fake /proc and /sys tree). Two facts are found out by trying,
in a short-lived thread of this process so nothing else is touched: whether the kernel switches a thread
to SCHED_FIFO (limits alone do not say: control groups can refuse it too), and whether it lets a thread set
a 1 ns timer slack. Both are per-thread on Linux, and the thread ends at once.

This module reads /proc/self/status and calls prctl itself instead of importing showcall.timing.priority,
so the console's quick check and `showcall doctor` without --probe do not load the timing core (~0.3 s).
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import threading
import time
from pathlib import Path

from showcall.doctor.machine import BUSY_PERCENT, UNLIMITED, BusyProcess, MachineFacts, PowerSupply

__all__ = [
    "current_timer_slack",
    "current_user",
    "describe_process",
    "gather_machine",
    "nearest_existing",
    "read_busy",
    "read_cpu_times",
]

PR_SET_TIMERSLACK = 29
PR_GET_TIMERSLACK = 30
CAP_SYS_NICE = 23
TRIAL_TIMEOUT_S = 1.0


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _limit(which: int) -> tuple[int, int]:
    soft, hard = resource.getrlimit(which)
    inf = resource.RLIM_INFINITY
    return (UNLIMITED if soft == inf else int(soft)), (UNLIMITED if hard == inf else int(hard))


def _cap_sys_nice(root: Path) -> bool:
    for line in _read(root / "proc/self/status").splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_SYS_NICE & 1)
    return False


def current_user() -> str:
    """The name of the user this process runs as."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER", "") or str(os.geteuid())


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def current_timer_slack() -> int | None:
    """This thread's timer slack in ns, or None where prctl is not available."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl") or not sys.platform.startswith("linux"):
        return None
    value = int(libc.prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0))
    return value if value >= 0 else None


def _trial(try_fifo: bool) -> tuple[str | None, int | None]:
    """(None if SCHED_FIFO was granted, else the kernel's words; the timer slack read back after asking 1 ns)."""
    outcome: dict[str, str | int | None] = {"refusal": "not tried", "slack": None}

    def trial() -> None:
        libc = _libc()
        if libc is not None and hasattr(libc, "prctl") and sys.platform.startswith("linux"):
            libc.prctl(PR_SET_TIMERSLACK, ctypes.c_ulong(1), 0, 0, 0)
            outcome["slack"] = current_timer_slack()
        if not try_fifo:
            return
        try:
            # pid 0 is this thread alone (Linux scheduling is per thread); priority 1 is the lowest.
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        except (OSError, AttributeError) as exc:
            outcome["refusal"] = getattr(exc, "strerror", None) or str(exc)
            return
        outcome["refusal"] = None
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))

    thread = threading.Thread(target=trial, name="showcall-doctor-trial", daemon=True)
    thread.start()
    thread.join(TRIAL_TIMEOUT_S)
    refusal, slack = outcome["refusal"], outcome["slack"]
    return (str(refusal) if refusal is not None else None), (int(slack) if slack is not None else None)


def _governors(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((root / "sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_governor")):
        governor = _read(path)
        if governor:
            found[path.parent.parent.name] = governor
    return found


def _power(root: Path) -> tuple[PowerSupply, ...]:
    supplies: list[PowerSupply] = []
    base = root / "sys/class/power_supply"
    for folder in sorted(base.iterdir() if base.is_dir() else ()):
        online = _int(_read(folder / "online"))
        supplies.append(
            PowerSupply(
                folder.name,
                _read(folder / "type") or "Unknown",
                online=None if online is None else bool(online),
                status=_read(folder / "status"),
                capacity=_int(_read(folder / "capacity")),
            )
        )
    return tuple(supplies)


def read_cpu_times(root: Path = Path("/")) -> dict[int, tuple[str, int]]:
    """pid -> (name, user + system CPU time in clock ticks) for every process in `root`/proc."""
    times: dict[int, tuple[str, int]] = {}
    proc = root / "proc"
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            data = (proc / entry.name / "stat").read_bytes()
        except OSError:  # it exited meanwhile
            continue
        # The name is in parentheses and may hold spaces or parentheses itself: split after the last ')'.
        close = data.rfind(b")")
        name = data[data.find(b"(") + 1 : close].decode(errors="replace")
        fields = data[close + 2 :].split()
        if len(fields) > 12:
            times[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))  # utime, stime: fields 14, 15
    return times


def read_busy(
    sample_s: float, *, root: Path = Path("/"), exclude: frozenset[int] = frozenset(), threshold: float = 0.0
) -> tuple[BusyProcess, ...]:
    """Processes whose CPU use over `sample_s` seconds is above `threshold` percent of one CPU."""
    ticks = os.sysconf("SC_CLK_TCK")
    before, t0 = read_cpu_times(root), time.monotonic()
    time.sleep(sample_s)
    after, t1 = read_cpu_times(root), time.monotonic()
    busy: list[BusyProcess] = []
    for pid, (name, used) in after.items():
        if pid in exclude or pid not in before:
            continue
        percent = 100.0 * (used - before[pid][1]) / ticks / (t1 - t0)
        if percent > threshold:
            busy.append(BusyProcess(pid, describe_process(root, pid, name), percent))
    return tuple(sorted(busy, key=lambda b: -b.percent))


_INTERPRETERS = ("python", "node", "java", "ruby", "perl", "sh", "bash", "dash")
_TAKES_VALUE = {b"-W", b"-X", b"-Q", b"-O"}


def describe_process(root: Path, pid: int, name: str) -> str:
    """`name`, and for an interpreter its script or module: `python3 pytest` says more than `python3`."""
    if not name.startswith(_INTERPRETERS):
        return name
    try:
        args = iter((root / "proc" / str(pid) / "cmdline").read_bytes().split(b"\0")[1:])
    except OSError:
        return name
    for arg in args:
        if arg in (b"-c", b"-e"):  # code on the command line: no name to give
            return name
        if arg in _TAKES_VALUE:
            next(args, None)
        elif arg and not arg.startswith(b"-"):
            script = Path(arg.decode(errors="replace").splitlines()[0]).name[:40]
            return f"{name} {script}"
    return name


def nearest_existing(path: Path) -> Path:
    """`path`, or its closest ancestor that exists (where the log folder would be created)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _log_facts(log_dir: Path) -> tuple[int | None, bool, str]:
    existing = nearest_existing(log_dir)
    try:
        stats = os.statvfs(existing)
        free: int | None = stats.f_bavail * stats.f_frsize
    except OSError:
        free = None
    if not existing.is_dir():
        return free, False, f"{existing} is not a folder"
    # access() also reports a read-only file system (EROFS), which root's bypass of permissions does not hide.
    if not os.access(existing, os.W_OK | os.X_OK):
        return free, False, f"{existing} is not writable" if existing != log_dir else "permission denied"
    return free, True, ""


def gather_machine(log_dir: Path, *, sample_s: float | None = 0.5, root: Path = Path("/")) -> MachineFacts:
    """Every machine fact; `sample_s` None skips sampling other processes (the console's quick check)."""
    rt_soft, rt_hard = _limit(resource.RLIMIT_RTPRIO)
    cap = _cap_sys_nice(root)
    runtime = _int(_read(root / "proc/sys/kernel/sched_rt_runtime_us"))
    # With sched_rt_runtime_us 0 a thread switched to SCHED_FIFO might never run again to switch back:
    # judge from the limits alone then.
    try_fifo = runtime != 0
    refusal, slack_set = _trial(try_fifo)
    if not try_fifo:
        refusal = None if cap or rt_soft != 0 else "Operation not permitted"
    clock = root / "sys/devices/system/clocksource/clocksource0"
    free, writable, problem = _log_facts(log_dir)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = None
    if sample_s is not None:
        busy = read_busy(sample_s, root=root, exclude=frozenset({os.getpid()}), threshold=BUSY_PERCENT)
    return MachineFacts(
        user=current_user(),
        euid=os.geteuid(),
        python=os.path.realpath(sys.executable),
        rtprio_soft=rt_soft,
        rtprio_hard=rt_hard,
        cap_sys_nice=cap,
        fifo_refusal=refusal,
        rt_runtime_us=runtime,
        rt_period_us=_int(_read(root / "proc/sys/kernel/sched_rt_period_us")),
        governors=_governors(root),
        power=_power(root),
        timer_slack_ns=current_timer_slack(),
        timer_slack_set=slack_set,
        clocksource=_read(clock / "current_clocksource"),
        clocksources_available=tuple(_read(clock / "available_clocksource").split()),
        cpus_usable=usable,
        cpus_total=os.cpu_count() or usable,
        busy=busy,
        sample_s=sample_s or 0.0,
        log_dir=str(log_dir),
        log_free_bytes=free,
        log_writable=writable,
        log_problem=problem,
    )
