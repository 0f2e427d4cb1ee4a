"""CPU placement: the timing core on a CPU of its own, every thread of the console's process on the others."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from showcall.timing.placement import choose_core_cpu


def test_the_core_gets_the_highest_cpu_and_nothing_is_pinned_on_one_cpu() -> None:
    assert choose_core_cpu({0, 1, 2, 3}) == 3
    assert choose_core_cpu({0, 5}) == 5
    assert choose_core_cpu({2}) is None
    assert choose_core_cpu(set()) is None


CHILD = textwrap.dedent(
    """
    import os, threading
    from showcall.timing.placement import Placement

    def cpus(tid):
        with open(f"/proc/self/task/{tid}/status") as f:
            return next(line.split(":")[1].strip() for line in f if line.startswith("Cpus_allowed_list"))

    gate = threading.Event()
    worker = threading.Thread(target=gate.wait)
    worker.start()
    tids = sorted(os.listdir("/proc/self/task"))
    first = Placement.acquire()
    second = Placement.acquire()  # a second core (the warm spare) shares the same placement
    first.keep_off()
    print(first.core_cpu, second is first, [cpus(t) for t in tids])
    first.release()
    print([cpus(t) for t in tids])  # the spare still runs: still kept off
    second.release()
    print([cpus(t) for t in tids])
    gate.set()
    """
)


def test_every_thread_is_kept_off_the_core_cpu_until_the_last_core_stops() -> None:
    import os

    if len(os.sched_getaffinity(0)) < 2:
        pytest.fail("this test needs two CPUs (CI machines have them)")
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    allowed = sorted(os.sched_getaffinity(0))
    everything = f"{allowed[0]}-{allowed[-1]}" if len(allowed) > 1 else str(allowed[0])
    core = allowed[-1]
    others = f"{allowed[0]}-{allowed[-2]}" if len(allowed) > 2 else str(allowed[0])
    first, during, after = done.stdout.splitlines()
    assert first == f"{core} True {[others, others]}"
    assert during == str([others, others])
    assert after == str([everything, everything])


async def test_a_pinned_core_runs_on_its_cpu_and_the_console_gets_its_cpus_back_after() -> None:
    import os

    from showcall.timing.client import TimingCoreClient

    before = os.sched_getaffinity(0)
    if len(before) < 2:
        pytest.fail("this test needs two CPUs (CI machines have them)")
    core = TimingCoreClient(pin=True, realtime=False, warm_spare=False)
    info = await core.start()
    try:
        assert core.pid is not None
        assert os.sched_getaffinity(core.pid) == {max(before)}
        assert os.sched_getaffinity(0) == before - {max(before)}
        assert f"pinned to CPU {max(before)}, the rest of showcall kept off it" in info.notes
    finally:
        await core.aclose()
    assert os.sched_getaffinity(0) == before


async def test_a_core_with_real_time_priority_is_not_pinned_and_the_console_keeps_every_cpu() -> None:
    import dataclasses
    import os

    from showcall.timing.client import TimingCoreClient

    before = os.sched_getaffinity(0)
    if len(before) < 2:
        pytest.fail("this test needs two CPUs (CI machines have them)")
    core = TimingCoreClient(pin=True, realtime=False, warm_spare=False)
    info = await core.start()
    try:
        assert core.placement is not None
        # what start() does once the core reports how it started, told a real-time start this time
        assert core.placement.users == 1
        placement = core.placement
        core._place(dataclasses.replace(info, realtime=True))  # the decision under test
        assert core.placement is None
        assert placement.users == 0
        assert os.sched_getaffinity(0) == before
    finally:
        await core.aclose()
    assert os.sched_getaffinity(0) == before
