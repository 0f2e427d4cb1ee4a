"""The timing probe: its verdicts from figures handed in, and one short real run of the timing core."""

from __future__ import annotations

from dataclasses import replace

from showcall.doctor.items import Level
from showcall.doctor.timing import Lateness, ProbeFacts, lateness, probe_item
from showcall.doctor.timingprobe import run_timing_probe

GOOD = Lateness(count=1000, p50_us=12.0, p99_us=80.0, max_us=900.0, over_1ms=0, early=0)
FACTS = ProbeFacts(5.0, 1000, priority="SCHED_OTHER nice 0, 100 µs slice", at_send=GOOD, on_arrival=GOOD)


def test_lateness_uses_nearest_rank_percentiles() -> None:
    summary = lateness([float(v) for v in range(1, 201)], early_below_us=2.0)
    assert summary == Lateness(count=200, p50_us=100.0, p99_us=198.0, max_us=200.0, over_1ms=0, early=1)
    assert lateness([5.0, 1500.0, -3.0]) == Lateness(3, 5.0, 1500.0, 1500.0, 1, 1)
    assert lateness([]) is None


def test_probe_every_verdict() -> None:
    ok = probe_item(FACTS)
    assert (ok.level, ok.found) == (
        Level.OK,
        "p50 12 µs, p99 80 µs, max 900 µs on arrival (1000 sends in 5 s, SCHED_OTHER nice 0, 100 µs slice)",
    )
    tail = probe_item(replace(FACTS, on_arrival=replace(GOOD, max_us=3_400.0)))
    assert tail.level is Level.WARN and "max 3.40 ms" in tail.found
    assert tail.fix.startswith("beyond showcall's bars (p99 250 µs, max 2 ms)")
    slow = probe_item(replace(FACTS, on_arrival=replace(GOOD, p99_us=400.0)))
    assert slow.level is Level.WARN
    hopeless = probe_item(replace(FACTS, on_arrival=replace(GOOD, p99_us=1_500.0, max_us=4_000.0)))
    assert hopeless.level is Level.FAIL and hopeless.fix.startswith("this machine cannot keep time now")
    sender_only = probe_item(replace(FACTS, on_arrival=None))
    assert (sender_only.level, sender_only.found.split(" (")[0]) == (
        Level.OK,
        "p50 12 µs, p99 80 µs, max 900 µs at send",
    )


def test_probe_fails_when_the_core_did_not_run_or_lost_or_sent_early() -> None:
    dead = probe_item(ProbeFacts(5.0, 0, error="the timing core did not start"))
    assert (dead.level, dead.found) == (Level.FAIL, "the timing core did not run: the timing core did not start")
    lost = probe_item(replace(FACTS, at_send=replace(GOOD, count=990), failed=4))
    assert lost.level is Level.FAIL and lost.found.endswith("; 0 early, 4 failed, 10 not reported")
    early = probe_item(replace(FACTS, at_send=replace(GOOD, early=1)))
    assert early.level is Level.FAIL


async def test_a_short_real_probe_reports_every_send_and_none_early() -> None:
    facts = await run_timing_probe(seconds=0.5, interval_ms=5.0)
    assert facts.error == ""
    assert facts.priority  # what the core was granted, whatever this machine allows
    assert facts.at_send is not None and facts.on_arrival is not None
    assert facts.scheduled >= 50  # 0.5 s at 5 ms ± 40 %
    assert facts.at_send.count == facts.on_arrival.count == facts.scheduled
    assert facts.at_send.early == 0 and facts.failed == 0  # exact: by the core's own clock
    assert probe_item(facts).data["scheduled"] == facts.scheduled
