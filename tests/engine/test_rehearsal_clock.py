"""The rehearsal clock on virtual time: `ShowClock`, `--clock` on the summit show, both clocks on every event,
the default when no time was given, and where `--from` points."""

from __future__ import annotations

import pytest

from showcall.compile.showfile import require_plan
from showcall.engine import events as ev
from showcall.engine.clock import ShowClock
from showcall.engine.rehearsal import default_clock, rehearsal_point
from showcall.engine.snapshot import NextAuto
from showcall.model.times import DAY_NS, format_time_of_day
from showcall.timing.fake import FakeClock

from support.engines import SHOWS, START_NS, S, rehearsal, tod


def test_a_set_clock_runs_on_the_monotonic_clock_from_the_time_set() -> None:
    base = FakeClock(start_ns=START_NS)
    base.set_time_of_day(tod("18:43:00"))
    clock = ShowClock(base, rehearsal=True)
    assert not clock.in_use and clock.time_of_day_ns() == tod("18:43:00")  # the real time until set
    clock.set(tod("08:29:30"))
    base.advance(10 * S)
    base.set_time_of_day(tod("03:00:00"))  # the machine's clock steps (NTP): the rehearsal clock does not
    assert clock.in_use
    assert clock.time_of_day_ns() == tod("08:29:40")
    assert clock.real_time_of_day_ns() == tod("03:00:00")
    assert clock.wall_ns() == base.wall_ns()  # the log's wall time stays the machine's
    assert (clock.now_ns(), clock.real_ns(500 * 1_000_000)) == (base.now_ns(), 500 * 1_000_000)


def test_a_faster_clock_scales_show_durations_into_real_ones() -> None:
    base = FakeClock(start_ns=START_NS)
    base.set_time_of_day(tod("23:59:00"))
    clock = ShowClock(base, speed=4, rehearsal=True)
    assert clock.in_use  # faster than real time: a rehearsal clock from the real time of day
    base.advance(30 * S)
    assert clock.time_of_day_ns() == tod("00:01:00")  # two show minutes in 30 s, past midnight
    assert clock.time_of_day_at(START_NS) == tod("23:59:00")
    assert clock.real_ns(500_000_000) == 125_000_000
    assert (clock.real_ns(3), clock.real_ns_until(3)) == (0, 1)  # a follow never longer, an `at` never early
    with pytest.raises(ValueError, match="speed must be a whole number from 1, not 0"):
        ShowClock(base, speed=0)


def test_clock_0829_30_fires_the_summit_walk_in_on_time_30_s_later() -> None:
    r = rehearsal("summit.yaml", real="18:43:00", clock="08:29:30")
    show = r.engine.snapshot()
    assert show.clocks.rehearsal_clock
    assert (show.clocks.time_of_day_ns, show.clocks.real_time_of_day_ns) == (tod("08:29:30"), tod("18:43:00"))
    assert show.clocks.show_over_ns is None  # nothing started: no over/under at all, let alone OVER +10:13:45
    assert show.next_auto == NextAuto("1", "LX", 30 * S, r.at(30), held=False)
    assert not [c.id for c in show.cues if c.missed]

    r.advance_to(40)
    assert r.gos() == [("1", "at", 30.0), ("2", "follow", 30.5), ("3", "follow", 31.0)]
    assert r.sends()[0] == (30.0, "1", "lx")
    show = r.engine.snapshot()
    assert not [c.id for c in show.cues if c.missed]
    clocks = show.clocks
    assert format_time_of_day(clocks.time_of_day_ns) == "08:30:10"
    assert format_time_of_day(clocks.real_time_of_day_ns) == "18:43:40"
    assert clocks.show_over_ns == 0  # ON TIME: the walk-in started at its planned 08:30:00
    assert clocks.segment is not None and clocks.segment.id == "walkin"
    assert (clocks.segment_elapsed_ns, clocks.segment_remaining_ns) == (10 * S, (30 * 60 - 10) * S)
    go = r.of(ev.Go)[0]
    assert go.show_tod_ns == tod("08:30:00")


def test_on_the_real_clock_the_same_rehearsal_misses_the_walk_in() -> None:
    r = rehearsal("summit.yaml", real="18:43:00")  # what issue 14 found: every `at` cue missed
    show = r.engine.snapshot()
    assert [c.id for c in show.cues if c.missed] == ["1", "4"]
    assert not show.clocks.rehearsal_clock
    r.advance_to(60)
    assert r.gos() == []


def test_events_carry_both_clocks_while_a_rehearsal_clock_is_in_use() -> None:
    r = rehearsal("summit.yaml", clock="08:29:30")
    r.advance_to(40)
    assert r.events and all(e.show_tod_ns == (tod("08:29:30") + e.mono_ns - START_NS) % DAY_NS for e in r.events)
    loaded = r.of(ev.Loaded)[0]
    assert isinstance(loaded, ev.Loaded)
    assert (loaded.clock, loaded.speed, loaded.clock_note) == ("rehearsal", 1, "")
    assert loaded.to_dict()["show_tod_ns"] == tod("08:29:30")

    real = rehearsal("summit.yaml")
    assert all(e.show_tod_ns is None and "show_tod_ns" not in e.to_dict() for e in real.events)
    loaded = real.of(ev.Loaded)[0]
    assert isinstance(loaded, ev.Loaded) and (loaded.clock, loaded.speed) == ("real", 1)


SUMMIT_NOTE = (
    "rehearsal clock starts 30 s before the planned start 08:30:00: the real time {real} is outside the "
    "show's hours (07:30:00 to 11:05:00)"
)


@pytest.mark.parametrize(
    ("real", "chosen"),
    [
        ("18:43:00", "08:29:30"),  # the afternoon before
        ("07:29:59", "08:29:30"),
        ("07:30:00", None),  # an hour before doors: the real clock, as on the day
        ("10:00:00", None),
        ("11:05:00", None),  # the planned end of the walk-out
        ("11:05:01", "08:29:30"),
    ],
)
def test_the_default_clock_is_the_planned_start_less_30_s_outside_the_show(real: str, chosen: str | None) -> None:
    found = default_clock(require_plan(SHOWS / "summit.yaml"), tod(real))
    if chosen is None:
        assert found is None
    else:
        assert found == (tod(chosen), SUMMIT_NOTE.format(real=real))


def test_a_show_without_a_planned_start_keeps_the_real_clock() -> None:
    assert default_clock(require_plan(SHOWS / "tiny.yaml"), tod("18:43:00")) is None


@pytest.mark.parametrize(
    ("show", "cue", "segment", "expected"),
    [
        ("summit.yaml", None, "walkin", ("1", "08:30:00")),
        ("summit.yaml", None, "awards", ("60", "10:35:00")),
        ("summit.yaml", "4", None, ("4", "08:55:00")),  # an `at` cue: its time
        ("summit.yaml", "33", None, ("33", "09:10:00")),  # mid-segment: the segment's planned start
        ("concert.yaml", None, "song2", ("20", "21:07:10")),  # 21:00 + walk-on 3m + song 1 4m10s
        ("theatre.yaml", "5", None, ("5", "19:30:00")),  # no segments: the show's planned start
        ("theatre.yaml", "H2", None, ("H2", "19:25:00")),
        ("tiny.yaml", "3", None, ("3", None)),  # no planned time anywhere: the clock is left alone
    ],
)
def test_where_a_rehearsal_is_taken_from(
    show: str, cue: str | None, segment: str | None, expected: tuple[str, str | None]
) -> None:
    point = rehearsal_point(require_plan(SHOWS / show), cue=cue, segment=segment)
    clock = format_time_of_day(point.clock_tod_ns) if point.clock_tod_ns is not None else None
    assert (point.cue, clock) == expected


def test_an_explicit_clock_wins_over_the_plan() -> None:
    point = rehearsal_point(require_plan(SHOWS / "summit.yaml"), segment="awards", clock_tod_ns=tod("10:34:00"))
    assert point.describe() == "segment awards (cue 60), clock 10:34:00"


@pytest.mark.parametrize(
    ("cue", "segment", "message"),
    [
        ("999", None, "no cue '999' in this show"),
        (
            None,
            "lunch",
            "no segment 'lunch' in this show (its segments: walkin, open, welcome, keynote, product, panel, awards, "
            "walkout)",
        ),
        (None, None, "name a cue or a segment to take the rehearsal from"),
        ("1", "walkin", "name a cue or a segment to take the rehearsal from"),
    ],
)
def test_a_point_the_show_does_not_have_is_refused_in_words(cue: str | None, segment: str | None, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        rehearsal_point(require_plan(SHOWS / "summit.yaml"), cue=cue, segment=segment)
    assert str(raised.value) == message
