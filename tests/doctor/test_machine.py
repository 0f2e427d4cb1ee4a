"""Every verdict of every machine check, from facts handed in (nothing here reads this machine)."""

from __future__ import annotations

from dataclasses import replace

from showcall.doctor.items import Level
from showcall.doctor.machine import (
    UNLIMITED,
    BusyProcess,
    MachineFacts,
    PowerSupply,
    check_busy,
    check_clocksource,
    check_cpus,
    check_governor,
    check_log,
    check_power,
    check_realtime,
    check_rt_throttling,
    check_timer_slack,
    machine_items,
)

READY = MachineFacts()
NO_RT = replace(READY, rtprio_soft=0, rtprio_hard=0, fifo_refusal="Operation not permitted")


def test_a_ready_machine_is_ok_on_every_check() -> None:
    items = machine_items(READY)
    assert [i.check for i in items] == [
        "realtime",
        "rt-throttling",
        "governor",
        "power",
        "timer-slack",
        "clocksource",
        "cpus",
        "busy",
        "log",
    ]
    assert {i.level for i in items} == {Level.OK}
    assert all(i.fix == "" and i.group == "machine" for i in items)


def test_busy_processes_are_left_out_when_not_sampled() -> None:
    assert "busy" not in [i.check for i in machine_items(replace(READY, busy=None))]


# ---- real-time priority ------------------------------------------------------------------------------


def test_realtime_ok_says_what_allowed_it() -> None:
    assert check_realtime(READY).found == "SCHED_FIFO allowed (RLIMIT_RTPRIO 20)"
    root = replace(READY, euid=0, rtprio_soft=0, cap_sys_nice=True)
    assert check_realtime(root).found == "SCHED_FIFO allowed (running as root)"
    cap = replace(READY, rtprio_soft=0, cap_sys_nice=True)
    assert check_realtime(cap).found == "SCHED_FIFO allowed (CAP_SYS_NICE)"
    assert check_realtime(cap).level is Level.OK


def test_realtime_refused_gives_the_limits_line_for_this_user_and_the_setcap_alternative() -> None:
    facts = replace(NO_RT, user="mei", python="/opt/showcall/.venv/bin/python3.11")
    item = check_realtime(facts)
    assert item.level is Level.WARN
    assert item.found == (
        "SCHED_FIFO not allowed (RLIMIT_RTPRIO 0, no CAP_SYS_NICE): the timing core runs unprivileged, "
        "sends can be ms late under load"
    )
    lines = item.fix.splitlines()
    assert lines[0] == "as root, add the line"
    assert lines[1] == "  mei  -  rtprio  20"
    assert lines[2].startswith("to /etc/security/limits.d/showcall.conf, then log out and in again")
    assert lines[-1] == "  sudo setcap cap_sys_nice+ep /opt/showcall/.venv/bin/python3.11"
    assert item.data["rlimit_rtprio"] == "0"


def test_realtime_refused_with_a_hard_limit_says_ulimit() -> None:
    item = check_realtime(replace(NO_RT, user="mei", rtprio_hard=UNLIMITED))
    assert item.level is Level.WARN
    assert item.fix.startswith("the hard limit allows it: run `ulimit -r 20` in the shell that starts showcall")
    assert "  mei  soft  rtprio  20" in item.fix.splitlines()
    assert check_realtime(replace(NO_RT, rtprio_hard=5)).fix.startswith("the hard limit allows it: run `ulimit -r 5`")


def test_realtime_refused_to_a_root_without_cap_sys_nice_says_how_to_grant_it() -> None:
    item = check_realtime(replace(NO_RT, euid=0, user="root"))
    assert item.level is Level.WARN
    assert item.fix.startswith("this root has no CAP_SYS_NICE (a container?): start it with the capability")
    assert "  root  -  rtprio  20" in item.fix.splitlines()


def test_realtime_refused_although_the_limits_allow_it_blames_the_control_group() -> None:
    item = check_realtime(replace(READY, fifo_refusal="Operation not permitted"))
    assert item.level is Level.WARN
    assert item.found.startswith("SCHED_FIFO refused (Operation not permitted) although RLIMIT_RTPRIO 20, no")
    assert "cpu.rt_runtime_us" in item.fix


def test_rt_throttling_every_verdict() -> None:
    assert check_rt_throttling(READY).found == "sched_rt_runtime_us 950000 of 1000000"
    assert check_rt_throttling(READY).level is Level.OK
    unlimited = check_rt_throttling(replace(READY, rt_runtime_us=-1))
    assert (unlimited.level, unlimited.found.split(":")[0]) == (Level.OK, "off (-1)")
    unknown = check_rt_throttling(replace(READY, rt_runtime_us=None, rt_period_us=None))
    assert (unknown.level, unknown.found) == (Level.OK, "unknown (no /proc/sys/kernel/sched_rt_runtime_us)")
    starved = check_rt_throttling(replace(READY, rt_runtime_us=0))
    assert starved.level is Level.FAIL
    assert starved.found == "sched_rt_runtime_us 0: the core would get SCHED_FIFO and then no CPU time at all"
    assert starved.fix.startswith("sudo sysctl -w kernel.sched_rt_runtime_us=950000") and "--no-rt" in starved.fix
    assert check_rt_throttling(replace(NO_RT, rt_runtime_us=0)).level is Level.WARN
    small = check_rt_throttling(replace(READY, rt_runtime_us=200_000))
    assert small.level is Level.WARN
    assert small.found == "sched_rt_runtime_us 200000 of 1000000: real-time tasks get only 20 % of each period"


# ---- governor, power, timer slack, clocksource -------------------------------------------------------


def test_governor_every_verdict() -> None:
    vm = check_governor(replace(READY, governors={}))
    assert (vm.level, vm.found) == (
        Level.OK,
        "no cpufreq here (a virtual machine, or the firmware sets the clock): unknown",
    )
    assert check_governor(READY).found == "performance on all 2 CPUs"
    one = check_governor(replace(READY, governors={"cpu0": "performance", "cpu1": "powersave"}))
    assert one.level is Level.WARN
    assert one.found == "powersave on 1 of 2 CPUs: a CPU clocked down between cues wakes and runs slower"
    assert one.fix.startswith("sudo cpupower frequency-set -g performance")
    assert "  echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor" in one.fix
    every = check_governor(replace(READY, governors={"cpu0": "schedutil", "cpu1": "ondemand"}))
    assert every.found.startswith("ondemand, schedutil on every CPU:")


def test_power_every_verdict() -> None:
    none = check_power(replace(READY, power=()))
    assert (none.level, none.found) == (Level.OK, "no battery or mains sensor (a desktop or a virtual machine)")
    battery = PowerSupply("BAT0", "Battery", status="Charging", capacity=80)
    mains = check_power(replace(READY, power=(PowerSupply("AC", "Mains", online=True), battery)))
    assert (mains.level, mains.found) == (Level.OK, "on mains power (BAT0 80 %)")
    unplugged = (PowerSupply("AC", "Mains", online=False), replace(battery, status="Discharging", capacity=62))
    warn = check_power(replace(READY, power=unplugged))
    assert (warn.level, warn.found) == (Level.WARN, "on battery (BAT0 62 %): a laptop on battery slows its CPU")
    assert warn.fix == "plug in the power supply (and check the socket is live) before the show"
    low = check_power(replace(READY, power=(replace(battery, status="Discharging", capacity=12),)))
    assert low.level is Level.FAIL
    assert low.found == "on battery, BAT0 12 %: the machine may slow down or shut down during the show"
    full = check_power(replace(READY, power=(replace(battery, status="Full", capacity=100),)))
    assert (full.level, full.found) == (Level.OK, "battery full (BAT0 100 %)")


def test_timer_slack_every_verdict() -> None:
    assert check_timer_slack(READY).found == "50 µs inherited; the core sets its own to 1 ns"
    assert check_timer_slack(READY).level is Level.OK
    kept = check_timer_slack(replace(READY, timer_slack_set=50_000))
    assert kept.level is Level.WARN
    assert kept.found.endswith("asked for 1 ns, the kernel kept 50000 ns: the core's wake-ups may be late")
    assert "TimerSlackNSec=" in kept.fix
    unknown = check_timer_slack(replace(READY, timer_slack_ns=None, timer_slack_set=None))
    assert unknown.level is Level.WARN


def test_clocksource_every_verdict() -> None:
    assert (check_clocksource(READY).level, check_clocksource(READY).found) == (Level.OK, "tsc")
    hpet = check_clocksource(replace(READY, clocksource="hpet"))
    assert hpet.level is Level.WARN
    assert hpet.found == "hpet: every clock read is a system call (around 1 µs, not tens of ns)"
    assert hpet.fix.startswith("echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource")
    vm = check_clocksource(replace(READY, clocksource="kvm-clock", clocksources_available=("kvm-clock",)))
    assert vm.level is Level.WARN and vm.found.startswith("kvm-clock: a virtual machine's clock")
    assert vm.fix == "run the show on real hardware, or give the virtual machine dedicated CPUs"
    stuck = check_clocksource(replace(READY, clocksource="acpi_pm", clocksources_available=("acpi_pm",)))
    assert stuck.level is Level.WARN and "update the BIOS" in stuck.fix
    assert check_clocksource(replace(READY, clocksource="")).level is Level.OK


# ---- CPUs, busy processes, the log -------------------------------------------------------------------


def test_cpus_every_verdict() -> None:
    assert (check_cpus(READY).level, check_cpus(READY).found) == (
        Level.OK,
        "4 CPUs usable: the timing core gets one to itself, the console the others",
    )
    one = check_cpus(replace(READY, cpus_usable=1, cpus_total=1))
    assert one.level is Level.WARN
    assert one.found == "1 CPU usable: the console's drawing and the timing core take turns"
    pinned = check_cpus(replace(READY, cpus_usable=1, cpus_total=8))
    assert pinned.found.startswith("1 CPU usable of 8 (CPU affinity limits this session)")
    assert "taskset" in pinned.fix
    assert check_cpus(replace(READY, cpus_usable=2, cpus_total=8)).level is Level.OK


def test_busy_every_verdict() -> None:
    assert check_busy(READY).found == "none above 20 % of a CPU over 0.5 s"
    hogs = tuple(BusyProcess(100 + n, f"hog{n}", 30.0 + n) for n in range(6))
    item = check_busy(replace(READY, busy=hogs))
    assert item.level is Level.WARN
    assert item.found == "hog5 (105) 35 %, hog4 (104) 34 %, hog3 (103) 33 %, hog2 (102) 32 % and 2 more of a CPU"
    assert [b["name"] for b in item.data["busy"]] == ["hog5", "hog4", "hog3", "hog2", "hog1", "hog0"]


def test_log_every_verdict() -> None:
    ok = check_log(READY)
    assert (ok.level, ok.found) == (Level.OK, "/home/operator/.local/state/showcall/logs: writable, 50.0 GB free")
    full = check_log(replace(READY, log_free_bytes=5 * 1024 * 1024))
    assert (full.level, full.found) == (
        Level.FAIL,
        "/home/operator/.local/state/showcall/logs: only 5.0 MB free: the show's log may not fit",
    )
    assert full.fix.startswith("free some disk space; or name another file with `showcall run --log PATH`")
    low = check_log(replace(READY, log_free_bytes=300 * 1024 * 1024))
    assert (low.level, low.found.split(": ", 1)[1]) == (Level.WARN, "300.0 MB free: the disk is nearly full")
    locked = check_log(replace(READY, log_writable=False, log_problem="/home/operator is not writable"))
    assert locked.level is Level.FAIL
    assert locked.found == (
        "/home/operator/.local/state/showcall/logs cannot be written (/home/operator is not writable): "
        "`showcall run` will not start"
    )
    assert locked.fix.startswith("make it writable by operator; or name another file")
    unknown = check_log(replace(READY, log_free_bytes=None))
    assert (unknown.level, unknown.found.split(": ", 1)[1]) == (Level.OK, "writable, free space unknown")
