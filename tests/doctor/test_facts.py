"""Reading the machine's facts: from a fake /proc and /sys tree (exact), and once from this machine (shape only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from showcall.doctor import worst_machine_item
from showcall.doctor.facts import (
    current_timer_slack,
    describe_process,
    gather_machine,
    nearest_existing,
    read_busy,
    read_cpu_times,
)
from showcall.doctor.items import Level
from showcall.doctor.machine import MachineFacts


def _put(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def _stat(pid: int, name: str, utime: int, stime: int) -> str:
    # fields 3.. of /proc/PID/stat: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt,
    # cmajflt, utime, stime, ...
    return f"{pid} ({name}) S 1 1 1 0 -1 4194560 10 0 0 0 {utime} {stime} 0 0 20 0 1 0 100 0 0"


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    _put(root, "proc/sys/kernel/sched_rt_runtime_us", "950000")
    _put(root, "proc/sys/kernel/sched_rt_period_us", "1000000")
    _put(root, "proc/self/status", "Name:\tpython3\nCapEff:\t0000000000800000")  # bit 23: CAP_SYS_NICE
    _put(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance")
    _put(root, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave")
    _put(root, "sys/devices/system/clocksource/clocksource0/current_clocksource", "hpet")
    _put(root, "sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm")
    _put(root, "sys/class/power_supply/AC/type", "Mains")
    _put(root, "sys/class/power_supply/AC/online", "0")
    _put(root, "sys/class/power_supply/BAT0/type", "Battery")
    _put(root, "sys/class/power_supply/BAT0/status", "Discharging")
    _put(root, "sys/class/power_supply/BAT0/capacity", "41")
    _put(root, "proc/4242/stat", _stat(4242, "web (content) x)", 10, 5))
    return root


def test_the_files_are_read_into_facts(fake_root: Path, tmp_path: Path) -> None:
    facts = gather_machine(tmp_path / "state" / "logs", sample_s=None, root=fake_root)
    assert facts.rt_runtime_us == 950_000 and facts.rt_period_us == 1_000_000
    assert facts.cap_sys_nice is True
    assert facts.governors == {"cpu0": "performance", "cpu1": "powersave"}
    assert (facts.clocksource, facts.clocksources_available) == ("hpet", ("tsc", "hpet", "acpi_pm"))
    assert [(p.name, p.kind, p.online, p.status, p.capacity) for p in facts.power] == [
        ("AC", "Mains", False, "", None),
        ("BAT0", "Battery", None, "Discharging", 41),
    ]
    assert facts.busy is None
    # The log folder does not exist yet: its nearest existing parent (tmp_path) decides.
    assert (facts.log_dir, facts.log_writable) == (str(tmp_path / "state" / "logs"), True)
    assert facts.log_free_bytes is not None and facts.log_free_bytes > 0


def test_an_empty_tree_means_unknown_not_failed(tmp_path: Path) -> None:
    facts = gather_machine(tmp_path, sample_s=None, root=tmp_path / "empty")
    assert (facts.governors, facts.power, facts.clocksource, facts.rt_runtime_us) == ({}, (), "", None)


def test_a_log_folder_under_a_file_is_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    facts = gather_machine(blocker / "showcall" / "logs", sample_s=None, root=tmp_path)
    assert facts.log_writable is False
    assert facts.log_problem == f"{blocker} is not a folder"


def test_nearest_existing_walks_up(tmp_path: Path) -> None:
    assert nearest_existing(tmp_path / "a" / "b" / "c") == tmp_path
    assert nearest_existing(tmp_path) == tmp_path


def test_process_names_with_spaces_and_parentheses_are_parsed(fake_root: Path) -> None:
    assert read_cpu_times(fake_root) == {4242: ("web (content) x)", 15)}


def test_a_busy_process_is_found_an_idle_one_is_not_and_excluded_ones_never() -> None:
    # A real child spinning for the whole sample, next to an idle sleeper. The bar is 5 % of a CPU, not the
    # doctor's 20 %: a spinner gets at least 2/(N+1) of the 2-core machine with N others runnable, so even a
    # loaded test machine gives it far more, and a sleeper uses ~0 %.
    spin = "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass"
    hog = subprocess.Popen([sys.executable, "-c", spin])
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = read_busy(1.0, threshold=5.0)
        without = read_busy(0.5, exclude=frozenset({hog.pid}), threshold=5.0)
    finally:
        hog.kill()
        idle.kill()
        hog.wait()
        idle.wait()
    pids = [b.pid for b in busy]
    assert hog.pid in pids and idle.pid not in pids
    assert next(b.name for b in busy if b.pid == hog.pid).startswith("python")
    assert hog.pid not in [b.pid for b in without]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack and per-thread scheduling are Linux's")
def test_the_trials_on_this_machine_leave_the_calling_thread_as_it_was() -> None:
    slack_before = current_timer_slack()
    facts = gather_machine(Path.home(), sample_s=None)
    assert facts.timer_slack_set == 1  # any Linux thread may lower its own slack
    assert current_timer_slack() == slack_before == facts.timer_slack_ns
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the SCHED_FIFO trial ran in its own thread
    assert 1 <= facts.cpus_usable <= facts.cpus_total


def test_worst_machine_item_is_the_worst_warn_or_fail_and_never_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[float | None] = []
    facts = MachineFacts(cpus_usable=1, cpus_total=1, log_writable=False)

    def fake(log_dir: Path, *, sample_s: float | None = 0.5, root: Path = Path("/")) -> MachineFacts:
        asked.append(sample_s)
        return facts

    monkeypatch.setattr("showcall.doctor.facts.gather_machine", fake)
    item = worst_machine_item()
    assert item is not None and (item.check, item.level) == ("log", Level.FAIL)
    facts = MachineFacts()
    assert worst_machine_item() is None
    assert asked == [None, None]


def test_an_interpreter_is_named_with_its_script_or_module(fake_root: Path) -> None:
    def named(cmdline: bytes) -> str:
        (fake_root / "proc/4242/cmdline").write_bytes(cmdline)
        return describe_process(fake_root, 4242, "python3")

    assert named(b"/usr/bin/python3\0-X\0importtime\0-m\0pytest\0-q\0") == "python3 pytest"
    assert named(b"python3\0/home/mei/tools/render.py\0--fast\0") == "python3 render.py"
    assert named(b"python3\0-c\0import time\nwhile True: pass\0") == "python3"
    assert describe_process(fake_root, 4242, "firefox") == "firefox"
