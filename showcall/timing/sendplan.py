"""Provides `plan`: how a batch of due items goes out — runs of one device, cut where the core looks for a panic.

The core plans a many-item batch when it starts spinning for it (waking `prepare_lead_ns` earlier than for
a lone item), so whatever the sends need is built then, not at the deadline: `BATCH_MIN` or more
consecutive items of one device whose output can batch are handed to its `prepare_many` once (the
`sendmmsg` arrays, the joined stream bytes), and each run is a slice of that.

Measured on the 2-core VM this was written on: planning took ~20 µs for 4 items and ~47 µs for 32 in a
loop; in the core, under UI load, with caches cold, 215–680 µs for 512 (median ~380: collecting devices
and wires ~60, `prepare_many` 120–290, cutting the 16 runs 40–130). A `sendmmsg` call costs about two
`send` calls more than its datagrams, so 2 or 3 items gain nothing from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from typing import NamedTuple

from showcall.timing.queue import Queued
from showcall.transports.base import BatchOutput, Output

__all__ = ["BATCH_MIN", "PREPARE_BASE_NS", "PREPARE_NS_PER_ITEM", "Run", "plan", "prepare_lead_ns"]

BATCH_MIN = 4
"""Fewest consecutive items of one device sent with one `send_many` call; shorter runs use `send` per item."""
PREPARE_BASE_NS = 25_000
PREPARE_NS_PER_ITEM = 1_000
"""Extra lead for planning a batch of `BATCH_MIN` or more. With the mode's guard on top, 512 items get
0.48–0.98 ms to plan in (sleep to precise with priority) against the 0.2–0.7 ms measured (module docstring)."""


def prepare_lead_ns(count: int) -> int:
    """How much earlier than a lone item a batch of `count` items due together must be taken to be planned."""
    return PREPARE_BASE_NS + PREPARE_NS_PER_ITEM * count if count >= BATCH_MIN else 0


class Run(NamedTuple):
    """Items `start:stop` of a batch, one device, within one stretch between panic checks.

    With `send_many` they go out in one call of it with `wires` (prepared); without, one `send` per item
    (a lone item, or an output that cannot batch). `out` is None for a device the core does not know. A
    tuple because a 512-item cue makes 16 of them before its deadline: a frozen dataclass costs 4× as much.
    """

    start: int
    stop: int
    out: Output | None
    send_many: Callable[[Sequence[bytes]], int] | None = None
    wires: Sequence[bytes] = ()


def plan(
    batch: Sequence[Queued], by_device: Mapping[str, Output], batching: Mapping[str, BatchOutput], chunk: int
) -> list[Run]:
    """The runs that send `batch` in order; no run crosses a multiple of `chunk` (where panics are looked for)."""
    runs: list[Run] = []
    devices = [entry.item.device for entry in batch]
    if devices and devices.count(devices[0]) == len(devices):
        groups = [(devices[0], len(devices))]  # the usual cue: one device, without grouping item by item
    else:
        groups = [(device, len(list(group))) for device, group in groupby(devices)]
    start = 0
    for device, count in groups:
        stop = start + count
        out = by_device.get(device)
        batcher = batching.get(device) if count >= BATCH_MIN else None
        prepared = batcher.prepare_many([e.wire for e in batch[start:stop]]) if batcher is not None else None
        at = start
        while at < stop:
            end = min(stop, (at // chunk + 1) * chunk)
            if prepared is not None and batcher is not None and end - at >= BATCH_MIN:
                runs.append(Run(at, end, out, batcher.send_many, prepared[at - start : end - start]))
            else:
                runs.append(Run(at, end, out))
            at = end
        start = stop
    return runs
