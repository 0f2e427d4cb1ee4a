"""Provides the machine checks: pure functions from `MachineFacts` to an `Item` each (facts.py gathers the facts).

Each check says what it found in one line and, when not OK, the exact fix for this user on this machine.
Why each matters on show day is in docs/doctor.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from showcall.doctor.items import GROUP_MACHINE, Item, Level

__all__ = [
    "BUSY_PERCENT",
    "CHECKS",
    "BusyProcess",
    "MachineFacts",
    "PowerSupply",
    "check_busy",
    "check_clocksource",
    "check_cpus",
    "check_governor",
    "check_log",
    "check_power",
    "check_realtime",
    "check_rt_throttling",
    "check_timer_slack",
    "machine_items",
]

RT_LIMIT_ASKED = 20
"""The rtprio value the fix asks for: the core wants 10 and takes less if the limit is lower."""
BUSY_PERCENT = 20.0
"""Another process using more than this share of one CPU is named."""
LOW_BATTERY_PERCENT = 20
LOG_FAIL_BYTES = 20 * 1024 * 1024
"""Under this a long show's log may not fit: each message sent is a ~140-byte line (measured), each cue more."""
LOG_WARN_BYTES = 500 * 1024 * 1024
GOOD_CLOCKSOURCE = "tsc"
UNLIMITED = -1
"""An rlimit of RLIM_INFINITY, as the facts carry it."""


@dataclass(frozen=True)
class PowerSupply:
    """One entry of /sys/class/power_supply: `kind` is its `type` (Mains, Battery, USB...)."""

    name: str
    kind: str
    online: bool | None = None
    status: str = ""
    capacity: int | None = None


@dataclass(frozen=True)
class BusyProcess:
    """Another process and its share of one CPU (percent) over the sample."""

    pid: int
    name: str
    percent: float


@dataclass(frozen=True)
class MachineFacts:
    """What the machine checks look at. The defaults describe a machine ready for a show.

    `fifo_refusal`: None when a trial switch to SCHED_FIFO succeeded, else the kernel's words (or why it was
    not tried). `timer_slack_set`: the slack read back after asking for 1 ns (None: not tried). `governors`:
    CPU -> cpufreq governor, empty where there is no cpufreq. `busy`: None when not sampled (the console's
    quick check). `log_free_bytes`: None when the free space could not be read.
    """

    user: str = "operator"
    euid: int = 1000
    python: str = "/usr/bin/python3"
    rtprio_soft: int = RT_LIMIT_ASKED
    rtprio_hard: int = RT_LIMIT_ASKED
    cap_sys_nice: bool = False
    fifo_refusal: str | None = None
    rt_runtime_us: int | None = 950_000
    rt_period_us: int | None = 1_000_000
    governors: dict[str, str] = field(default_factory=lambda: {"cpu0": "performance", "cpu1": "performance"})
    power: tuple[PowerSupply, ...] = (PowerSupply("AC", "Mains", online=True),)
    timer_slack_ns: int | None = 50_000
    timer_slack_set: int | None = 1
    clocksource: str = "tsc"
    clocksources_available: tuple[str, ...] = ("tsc", "hpet", "acpi_pm")
    cpus_usable: int = 4
    cpus_total: int = 4
    busy: tuple[BusyProcess, ...] | None = ()
    sample_s: float = 0.5
    log_dir: str = "/home/operator/.local/state/showcall/logs"
    log_free_bytes: int | None = 50 * 1024**3
    log_writable: bool = True
    log_problem: str = ""


def _item(check: str, title: str, level: Level, found: str, fix: str = "", *, data: Mapping[str, object]) -> Item:
    return Item(GROUP_MACHINE, check, title, level, found, fix, data=data)


def _limit(value: int) -> str:
    return "unlimited" if value == UNLIMITED else str(value)


# ---- real-time priority ------------------------------------------------------------------------------


def _rt_fix(f: MachineFacts) -> str:
    if f.rtprio_soft == 0 and (f.rtprio_hard == UNLIMITED or f.rtprio_hard > 0):
        allowed = RT_LIMIT_ASKED if f.rtprio_hard == UNLIMITED else min(f.rtprio_hard, RT_LIMIT_ASKED)
        return (
            f"the hard limit allows it: run `ulimit -r {allowed}` in the shell that starts showcall, "
            f"or raise the soft limit too: the line\n"
            f"  {f.user}  soft  rtprio  {allowed}\n"
            f"in /etc/security/limits.d/showcall.conf, then log out and in again"
        )
    return (
        f"as root, add the line\n"
        f"  {f.user}  -  rtprio  {RT_LIMIT_ASKED}\n"
        f"to /etc/security/limits.d/showcall.conf, then log out and in again (`ulimit -r` prints "
        f"{RT_LIMIT_ASKED}); or grant the interpreter the capability (every program it runs gets it, "
        f"so use showcall's own venv):\n"
        f"  sudo setcap cap_sys_nice+ep {f.python}"
    )


def check_realtime(f: MachineFacts) -> Item:
    """Whether the timing core can get SCHED_FIFO: a trial switch, explained by root, RLIMIT_RTPRIO, CAP_SYS_NICE."""
    data = {
        "user": f.user,
        "euid": f.euid,
        "rlimit_rtprio": _limit(f.rtprio_soft),
        "rlimit_rtprio_hard": _limit(f.rtprio_hard),
        "cap_sys_nice": f.cap_sys_nice,
        "fifo_refusal": f.fifo_refusal,
    }
    title = "real-time priority"
    if f.fifo_refusal is None:
        if f.cap_sys_nice:
            why = "running as root" if f.euid == 0 else "CAP_SYS_NICE"
        else:
            why = f"RLIMIT_RTPRIO {_limit(f.rtprio_soft)}"
        return _item("realtime", title, Level.OK, f"SCHED_FIFO allowed ({why})", data=data)
    limits = f"RLIMIT_RTPRIO {_limit(f.rtprio_soft)}, {'' if f.cap_sys_nice else 'no '}CAP_SYS_NICE"
    # Root's power here is CAP_SYS_NICE and nothing else: a root without it (a container) is refused too.
    if f.rtprio_soft != 0 or f.cap_sys_nice:
        # The limits allow it and the kernel still refused: real-time group scheduling gives this session's
        # control group no real-time time (cpu.rt_runtime_us 0), which no limit changes.
        return _item(
            "realtime",
            title,
            Level.WARN,
            f"SCHED_FIFO refused ({f.fifo_refusal}) although {limits} allow it: the timing core runs unprivileged",
            "this session's control group has no real-time time (CONFIG_RT_GROUP_SCHED): give it some "
            "(cpu.rt_runtime_us) or start showcall from a login session outside it",
            data=data,
        )
    fix = _rt_fix(f)
    if f.euid == 0:
        fix = (
            "this root has no CAP_SYS_NICE (a container?): start it with the capability (docker run "
            f"--cap-add=sys_nice), or {fix[:1].lower()}{fix[1:]}"
        )
    found = f"SCHED_FIFO not allowed ({limits}): the timing core runs unprivileged, sends can be ms late under load"
    return _item("realtime", title, Level.WARN, found, fix, data=data)


def check_rt_throttling(f: MachineFacts) -> Item:
    """sched_rt_runtime_us: 0 starves a real-time core; a small share throttles it; -1 is unlimited."""
    title = "real-time throttling"
    data = {"sched_rt_runtime_us": f.rt_runtime_us, "sched_rt_period_us": f.rt_period_us}
    runtime, period = f.rt_runtime_us, f.rt_period_us
    fix = "sudo sysctl -w kernel.sched_rt_runtime_us=950000 (the default; add it to /etc/sysctl.d/ to keep it)"
    if runtime is None:
        return _item("rt-throttling", title, Level.OK, "unknown (no /proc/sys/kernel/sched_rt_runtime_us)", data=data)
    if runtime == UNLIMITED:
        found = "off (-1): real-time tasks may hold a CPU; the core's spin is bounded by its guard"
        return _item("rt-throttling", title, Level.OK, found, data=data)
    if runtime == 0:
        if f.fifo_refusal is None:
            found = "sched_rt_runtime_us 0: the core would get SCHED_FIFO and then no CPU time at all"
            return _item("rt-throttling", title, Level.FAIL, found, fix + "; or run showcall with --no-rt", data=data)
        found = "sched_rt_runtime_us 0: real-time tasks get no CPU time (matters once priority is granted)"
        return _item("rt-throttling", title, Level.WARN, found, fix, data=data)
    if period and runtime < period // 2:
        share = 100 * runtime / period
        found = f"sched_rt_runtime_us {runtime} of {period}: real-time tasks get only {share:.0f} % of each period"
        return _item("rt-throttling", title, Level.WARN, found, fix, data=data)
    of = f" of {period}" if period else ""
    return _item("rt-throttling", title, Level.OK, f"sched_rt_runtime_us {runtime}{of}", data=data)


# ---- CPU clock, power, clocks ------------------------------------------------------------------------


def check_governor(f: MachineFacts) -> Item:
    """The cpufreq governor: `performance` keeps the clock up; absent (a VM) is unknown, not a fault."""
    title = "CPU frequency governor"
    data = {"governors": dict(f.governors)}
    if not f.governors:
        found = "no cpufreq here (a virtual machine, or the firmware sets the clock): unknown"
        return _item("governor", title, Level.OK, found, data=data)
    slow = sorted({g for g in f.governors.values() if g != "performance"})
    if not slow:
        return _item("governor", title, Level.OK, f"performance on all {len(f.governors)} CPUs", data=data)
    which = sorted(cpu for cpu, g in f.governors.items() if g != "performance")
    cpus = f"on {len(which)} of {len(f.governors)} CPUs" if len(which) < len(f.governors) else "on every CPU"
    return _item(
        "governor",
        title,
        Level.WARN,
        f"{', '.join(slow)} {cpus}: a CPU clocked down between cues wakes and runs slower",
        "sudo cpupower frequency-set -g performance (Debian: linux-cpupower), or\n"
        "  echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor\n"
        "(until the next reboot); on a laptop also pick the Performance power profile "
        "(powerprofilesctl set performance)",
        data=data,
    )


def check_power(f: MachineFacts) -> Item:
    """Mains or battery: on battery a laptop slows its CPU, and the show ends when the battery does."""
    title = "power"
    data = {
        "supplies": [
            {"name": p.name, "type": p.kind, "online": p.online, "status": p.status, "capacity": p.capacity}
            for p in f.power
        ]
    }
    batteries = [p for p in f.power if p.kind == "Battery"]
    mains = [p for p in f.power if p.kind != "Battery" and p.online is not None]
    charge = ", ".join(f"{b.name} {b.capacity} %" for b in batteries if b.capacity is not None)
    on_mains = any(p.online for p in mains)
    discharging = any(b.status == "Discharging" for b in batteries) or (bool(mains) and not on_mains)
    if not f.power:
        return _item("power", title, Level.OK, "no battery or mains sensor (a desktop or a virtual machine)", data=data)
    if not discharging:
        states = ", ".join(sorted({b.status.lower() for b in batteries if b.status})) or "not discharging"
        found = "on mains power" if on_mains or not batteries else f"battery {states}"
        return _item("power", title, Level.OK, found + (f" ({charge})" if charge else ""), data=data)
    plug = "plug in the power supply (and check the socket is live) before the show"
    low = [b for b in batteries if b.capacity is not None and b.capacity < LOW_BATTERY_PERCENT]
    if low:
        found = f"on battery, {charge}: the machine may slow down or shut down during the show"
        return _item("power", title, Level.FAIL, found, plug, data=data)
    found = "on battery" + (f" ({charge})" if charge else "") + ": a laptop on battery slows its CPU"
    return _item("power", title, Level.WARN, found, plug, data=data)


def check_timer_slack(f: MachineFacts) -> Item:
    """Timer slack: how late the kernel may end a sleep; the core asks for 1 ns, which must be allowed."""
    title = "timer slack"
    data = {"timer_slack_ns": f.timer_slack_ns, "timer_slack_set_ns": f.timer_slack_set}
    if f.timer_slack_ns is None:
        found = "cannot be read here (no prctl PR_GET_TIMERSLACK): the core's sleeps may end late"
        return _item("timer-slack", title, Level.WARN, found, "run showcall on Linux", data=data)
    inherited = f"{f.timer_slack_ns / 1000:g} µs inherited"
    if f.timer_slack_set is None or f.timer_slack_set <= 1:
        return _item("timer-slack", title, Level.OK, f"{inherited}; the core sets its own to 1 ns", data=data)
    found = f"{inherited}; asked for 1 ns, the kernel kept {f.timer_slack_set} ns: the core's wake-ups may be late"
    fix = (
        "something enforces a timer slack on this session (systemd TimerSlackNSec= on the unit that starts "
        "showcall, or a container runtime): remove that setting"
    )
    return _item("timer-slack", title, Level.WARN, found, fix, data=data)


_CLOCK_WHY = {
    "hpet": "every clock read is a system call (around 1 µs, not tens of ns)",
    "acpi_pm": "every clock read is a slow system call (several µs)",
    "jiffies": "the clock only moves once per tick (ms)",
    "kvm-clock": "a virtual machine's clock: reads are fast, but the VM shares its CPUs with the host",
    "hyperv_clocksource_tsc_page": "a virtual machine's clock: the VM shares its CPUs with the host",
    "xen": "a virtual machine's clock: the VM shares its CPUs with the host",
}


def check_clocksource(f: MachineFacts) -> Item:
    """The kernel's clocksource: `tsc` is fast and exact; anything else costs each timestamp or means a VM."""
    title = "clocksource"
    data = {"clocksource": f.clocksource, "available": list(f.clocksources_available)}
    if not f.clocksource:
        return _item("clocksource", title, Level.OK, "unknown (no /sys clocksource here)", data=data)
    if f.clocksource == GOOD_CLOCKSOURCE:
        return _item("clocksource", title, Level.OK, "tsc", data=data)
    why = _CLOCK_WHY.get(f.clocksource, "not the CPU's time-stamp counter: clock reads may be slow")
    if GOOD_CLOCKSOURCE in f.clocksources_available:
        fix = (
            "echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource "
            "(until the next reboot; `dmesg | grep -i tsc` says why the kernel chose another)"
        )
    elif "kvm-clock" in f.clocksource or "hyperv" in f.clocksource or f.clocksource == "xen":
        fix = "run the show on real hardware, or give the virtual machine dedicated CPUs"
    else:
        fix = "the kernel found the TSC unusable (`dmesg | grep -i tsc`): update the BIOS, or use another machine"
    return _item("clocksource", title, Level.WARN, f"{f.clocksource}: {why}", fix, data=data)


# ---- CPUs, other processes, the log -------------------------------------------------------------------


def check_cpus(f: MachineFacts) -> Item:
    """How many CPUs showcall may use: with one, the console and the timing core share it."""
    title = "CPUs"
    data = {"usable": f.cpus_usable, "total": f.cpus_total}
    of = f" of {f.cpus_total} (CPU affinity limits this session)" if f.cpus_usable < f.cpus_total else ""
    if f.cpus_usable <= 1:
        found = f"1 CPU usable{of}: the console's drawing and the timing core take turns"
        fix = "use a machine (or virtual machine) with 2 CPUs or more" + (
            "; or start showcall without the CPU affinity (taskset, cgroup cpuset) that limits it" if of else ""
        )
        return _item("cpus", title, Level.WARN, found, fix, data=data)
    found = f"{f.cpus_usable} CPUs usable{of}: the timing core gets one to itself, the console the others"
    return _item("cpus", title, Level.OK, found, data=data)


def check_busy(f: MachineFacts) -> Item:
    """Other processes using more than BUSY_PERCENT of a CPU over the sample: they compete with the show."""
    title = "other busy processes"
    busy = sorted(f.busy or (), key=lambda b: -b.percent)
    data = {
        "sample_s": f.sample_s,
        "threshold_percent": BUSY_PERCENT,
        "busy": [{"pid": b.pid, "name": b.name, "percent": round(b.percent, 1)} for b in busy],
    }
    if not busy:
        found = f"none above {BUSY_PERCENT:g} % of a CPU over {f.sample_s:g} s"
        return _item("busy", title, Level.OK, found, data=data)
    top = ", ".join(f"{b.name} ({b.pid}) {b.percent:.0f} %" for b in busy[:4])
    more = f" and {len(busy) - 4} more" if len(busy) > 4 else ""
    fix = "close them before the show, or find out what they are (`top`); without real-time priority they "
    fix += "take CPU time from the timing core"
    return _item("busy", title, Level.WARN, f"{top}{more} of a CPU", fix, data=data)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def check_log(f: MachineFacts) -> Item:
    """The event log's folder: writable (else `showcall run` refuses to start) with room for the show's log."""
    title = "event log"
    data = {"log_dir": f.log_dir, "free_bytes": f.log_free_bytes, "writable": f.log_writable}
    where = f.log_dir
    other = "; or name another file with `showcall run --log PATH`, or set XDG_STATE_HOME"
    if not f.log_writable:
        found = f"{where} cannot be written ({f.log_problem or 'permission denied'}): `showcall run` will not start"
        return _item("log", title, Level.FAIL, found, f"make it writable by {f.user}{other}", data=data)
    if f.log_free_bytes is None:
        return _item("log", title, Level.OK, f"{where}: writable, free space unknown", data=data)
    free = _size(f.log_free_bytes)
    if f.log_free_bytes < LOG_FAIL_BYTES:
        found = f"{where}: only {free} free: the show's log may not fit"
        return _item("log", title, Level.FAIL, found, f"free some disk space{other}", data=data)
    if f.log_free_bytes < LOG_WARN_BYTES:
        found = f"{where}: {free} free: the disk is nearly full"
        return _item("log", title, Level.WARN, found, f"free some disk space{other}", data=data)
    return _item("log", title, Level.OK, f"{where}: writable, {free} free", data=data)


CHECKS: tuple[Callable[[MachineFacts], Item], ...] = (
    check_realtime,
    check_rt_throttling,
    check_governor,
    check_power,
    check_timer_slack,
    check_clocksource,
    check_cpus,
    check_busy,
    check_log,
)


def machine_items(f: MachineFacts) -> list[Item]:
    """Every machine check's item, in the order docs/doctor.md lists them (busy processes only when sampled)."""
    return [check(f) for check in CHECKS if check is not check_busy or f.busy is not None]
