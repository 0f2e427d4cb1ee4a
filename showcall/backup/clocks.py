"""Provides `ClockOffset`: the peer's monotonic clock against this machine's, from pings (NTP's arithmetic).

Two machines' CLOCK_MONOTONIC have nothing in common. Each ping records t1 (sent, here), t2 (received,
there), t3 (answered, there), t4 (answer received, here); with the same delay each way the peer's clock is
ahead by ((t2 - t1) + (t3 - t4)) / 2, and whatever the delays the error is at most half the round trip. The
sample with the shortest round trip among the last `window` is kept: a ping delayed by a busy loop says
little. On one machine both clocks are the same clock, so the estimate's distance from 0 is its error.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    """One ping's estimate: the peer's clock minus ours, and the round trip it came from."""

    offset_ns: int
    rtt_ns: int


class ClockOffset:
    """The best recent estimate of the peer's clock against ours (see module docstring)."""

    def __init__(self, window: int = 32) -> None:
        self._samples: deque[Sample] = deque(maxlen=window)
        self._best: Sample | None = None

    def add(self, t1: int, t2: int, t3: int, t4: int) -> Sample:
        """Record one ping (t1, t4 on our clock; t2, t3 on the peer's); returns its sample."""
        rtt = max(0, (t4 - t1) - (t3 - t2))
        sample = Sample(((t2 - t1) + (t3 - t4)) // 2, rtt)
        self._samples.append(sample)
        self._best = min(self._samples, key=lambda s: s.rtt_ns)
        return sample

    @property
    def known(self) -> bool:
        """True once a ping came back."""
        return self._best is not None

    @property
    def offset_ns(self) -> int:
        """The peer's clock minus ours (0 before any ping)."""
        return self._best.offset_ns if self._best is not None else 0

    @property
    def error_bound_ns(self) -> int | None:
        """How far off the estimate can be at most: half the kept sample's round trip."""
        return self._best.rtt_ns // 2 if self._best is not None else None

    def to_local(self, peer_ns: int) -> int:
        """A time on the peer's clock, on ours."""
        return peer_ns - self.offset_ns

    def to_peer(self, local_ns: int) -> int:
        """A time on our clock, on the peer's."""
        return local_ns + self.offset_ns
