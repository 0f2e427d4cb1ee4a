"""The throughput benchmark runs end to end (its figures are printed by `showcall bench sim`, not asserted
here: a test only checks that what was sent is counted)."""

from __future__ import annotations

from showcall.bench.sim import run_bench


def test_a_short_run_counts_every_message() -> None:
    # 300 messages at 3,000/s: far below the simulator's rate, and a burst the UDP receive buffer holds whole.
    # (One transport only: each run starts a simulator process, about 2 s of a test budget.)
    result = run_bench("udp", rate=3_000, seconds=0.1)
    assert (result.sent, result.received, result.dropped, result.gaps, result.malformed) == (300, 300, 0, 0, 0)
    assert result.transport == "udp"
