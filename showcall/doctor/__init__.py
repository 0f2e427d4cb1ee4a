"""Provides `showcall doctor`'s checks: is this machine, and is this show's rig, ready for the show?

Each check is a pure function of facts returning an `Item` (OK / WARN / FAIL, what was found, the fix):
machine.py (real-time priority, governor, power, timer slack, clocksource, CPUs, busy processes, the log's
disk), devices.py (the show file loads; each device resolves, has a route, answers one probe), timing.py
(the `--probe` figures). facts.py, netprobe.py and timingprobe.py gather the facts; render.py prints them.
`worst_machine_item` is the console's quick look at start-up. docs/doctor.md explains every item.
"""

from __future__ import annotations

from pathlib import Path

from showcall.doctor.items import Item, Level, worst

__all__ = ["Item", "Level", "worst_machine_item"]


def worst_machine_item(show_path: Path | None = None) -> Item | None:
    """The worst WARN or FAIL of the machine checks, or None when all are OK.

    Quick (a few ms: no device probes, no sampling of other processes), for the console to show at
    start-up. `show_path` makes the log check look at that show's log folder.
    """
    from showcall.doctor.facts import gather_machine
    from showcall.doctor.machine import machine_items
    from showcall.engine.log import log_folder, state_dir

    log_dir = log_folder(show_path) if show_path is not None else state_dir() / "logs"
    top = worst(machine_items(gather_machine(log_dir, sample_s=None)))
    return top if top is not None and top.level is not Level.OK else None
