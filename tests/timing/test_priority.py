"""Priority: what the kernel grants is asked for and reported truthfully (in a child: it changes the process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json, os
from showcall.timing.priority import acquire
{drop}
g = acquire(realtime={realtime})
print(json.dumps({{"policy": g.policy, "describe": g.describe(), "slack": g.timer_slack_ns, "notes": g.notes,
                  "kernel_policy": os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK, "nice": g.nice,
                  "kernel_nice": os.getpriority(os.PRIO_PROCESS, 0), "slice": g.slice_ns}}))
"""


def grant_in_child(realtime: bool, as_nobody: bool = False) -> dict[str, object]:
    # Imports first: the interpreter's own files may not be readable by nobody on this machine.
    drop = "os.setgid(65534); os.setuid(65534)" if as_nobody else ""
    code = CHILD.format(realtime=realtime, drop=drop)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_without_realtime_it_stays_sched_other_and_says_so() -> None:
    g = grant_in_child(realtime=False)
    assert g["policy"] == "SCHED_OTHER"
    assert g["kernel_policy"] == os.SCHED_OTHER
    assert g["kernel_nice"] == g["nice"] == 0
    assert g["slack"] == 1  # timer slack needs no privilege
    assert "real-time priority not requested" in g["notes"]  # type: ignore[operator]
    assert str(g["describe"]).startswith("SCHED_OTHER nice 0")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to test both the grant and the refusal")
def test_root_gets_sched_fifo_and_a_plain_user_is_refused_with_the_reason() -> None:
    g = grant_in_child(realtime=True)
    assert (g["policy"], g["kernel_policy"], g["describe"]) == ("SCHED_FIFO", os.SCHED_FIFO, "SCHED_FIFO 10")
    nobody = grant_in_child(realtime=True, as_nobody=True)
    assert nobody["kernel_policy"] == os.SCHED_OTHER
    assert nobody["policy"] == "SCHED_OTHER"
    notes = " ".join(nobody["notes"])  # type: ignore[arg-type]
    assert "SCHED_FIFO refused (EPERM): RLIMIT_RTPRIO is 0, no CAP_SYS_NICE" in notes
