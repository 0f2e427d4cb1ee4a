"""Provides `restore`: a crashed run's log put back into a new engine, so nothing fires twice.

Every cue the log says fired is marked fired (or complete); only the messages it had not sent go to the timing
core (at once and reported late if their time has passed, else at their time); follow/after chains are re-armed
from the logged fire times; the playhead goes back where it was; a rehearsal taken from a cue keeps the cues before
it passed, its show counted from its planned start. Logged times are the crashed run's
CLOCK_MONOTONIC, which restarts at boot: each is carried over through the wall clock of the run that logged it.
Every hold that ended after a cue fired moved its later sends (and the chain behind it) on by the time held,
as the run did. A held show comes back held since the hold began, with what it must still send parked until
resume.

A tracking backup taking over restores the same way from the live show's events (showcall.backup): there the
times are already on this machine's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from showcall.compile.plan import Plan
from showcall.engine.book import CueBook
from showcall.engine.clock import ShowClock
from showcall.engine.cues import CueState, Source
from showcall.engine.hold import Parking
from showcall.engine.replay import HeldSpan, Replay
from showcall.engine.runofshow import RunOfShow
from showcall.model.show import is_chained

Fire = Callable[[int, int, Source], None]
Complete = Callable[[int], None]


@dataclass(frozen=True)
class Restored:
    """Where the restored show stands: the playhead's cue index, and when the hold in progress began."""

    playhead: int
    held_since_ns: int | None = None


def _later(at_ns: int, since_ns: int, holds: list[tuple[int, int]]) -> int:
    """`at_ns` moved on by every hold (start, held) that began at or after `since_ns` while it was still
    to come: what the run did to a send or a chain cue that was waiting then."""
    for start, held in holds:
        if since_ns <= start <= at_ns:
            at_ns += held
    return at_ns


def _converted(span: HeldSpan, wall_offset: int) -> tuple[int, int]:
    return span.start_ns + (span.wall_offset_ns - wall_offset if span.wall_offset_ns else 0), span.held_ns


def restore(
    replay: Replay,
    *,
    plan: Plan,
    book: CueBook,
    clock: ShowClock,
    run_of_show: RunOfShow,
    parking: Parking,
    fire: Fire,
    complete: Complete,
) -> Restored:
    """Mark what the log says fired; send what those cues had not sent; re-arm their chains (see module docstring)."""
    cues = plan.cues
    now, wall_offset = clock.now_ns(), clock.wall_ns() - clock.now_ns()
    held_since = None
    if replay.held:
        held_since = now
        if replay.held_since_ns is not None:
            since = replay.held_since_ns
            held_since = since + (replay.held_wall_offset_ns - wall_offset if replay.held_wall_offset_ns else 0)
    holds = sorted(_converted(span, wall_offset) for span in replay.holds)
    taken_from = plan.index_of(replay.from_cue) if replay.from_cue is not None else None
    if taken_from is not None:
        run_of_show.start_on_plan(now, clock.time_of_day_at(now))
    fired = {
        index: (record, record.fire_ns + (record.wall_offset_ns - wall_offset if record.wall_offset_ns else 0))
        for cue_id, record in replay.fired.items()
        if (index := plan.index_of(cue_id)) is not None
    }
    for index, (record, fire_ns) in sorted(fired.items()):
        book.restore(index, record.source, fire_ns, complete=record.complete)
        run_of_show.cue_fired(cues[index].segment, fire_ns, clock.time_of_day_at(fire_ns))
        if record.complete:
            continue
        unsent = [(number, _later(due, fire_ns, holds)) for number, due in book.dues(index, fire_ns, skip=record.sent)]
        if not unsent:
            complete(index)
        elif held_since is not None:
            parking.adopt(index, unsent)
        else:
            book.schedule(index, unsent)  # what is overdue goes at once, reported late
    for index in range(taken_from or 0):
        if index not in fired:
            book.pass_over(index)
    for index, (record, fire_ns) in sorted(fired.items()):
        following = index + 1
        if record.chain_stopped:
            continue  # a panic cancelled what was armed behind it
        if following < len(cues) and following not in fired and is_chained(cues[following].cue.go):
            chain = book.chain(index, fire_ns)
            if chain and book.runs[chain[0][0]].state is CueState.PENDING:
                first, at, source = chain[0]
                at = _later(at, fire_ns, holds)
                if held_since is not None:
                    parking.defer(first, at, source)
                else:
                    fire(first, at, source)
    last_fired = max(fired, default=-1)
    playhead = None
    if replay.playhead_known:
        playhead = plan.index_of(replay.playhead) if replay.playhead is not None else len(cues)
    if playhead is None or playhead in fired:  # unknown, or it fired after the last standby was logged
        playhead = book.next_pending(max(last_fired, playhead if playhead is not None else -1))
    return Restored(playhead, held_since)
