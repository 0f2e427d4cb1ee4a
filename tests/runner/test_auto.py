"""--auto on virtual time: manual cues GOne GAP after the cue before completed; time cues wait for their time."""

from __future__ import annotations

from pathlib import Path

from showcall.runner.auto import AutoGo

from support.engines import HEADER, S, rig

WALK_IN = """\
show: {title: Auto test, start: "08:30:00", go_guard: 250ms}
cues:
  - {id: "1", dept: LX, go: {at: "08:30:00"}, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND, go: {follow: 500ms}, actions: [{snd.go: {}}]}
  - {id: "4", dept: SND, go: {at: "08:55:00"}, actions: [{snd.go: {}}]}
  - {id: "5", dept: SND, go: {follow: 3s}, actions: [{snd.go: {}}]}
  - {id: "10", dept: LX, actions: [{lx.fire: {cue: 10}}]}
"""


def test_auto_goes_on_while_a_later_time_cue_and_its_chain_wait_for_their_time(tmp_path: Path) -> None:
    header = HEADER.replace("show: {title: Engine test, go_guard: 250ms}\n", "")
    r = rig(tmp_path, WALK_IN, header=header, time_of_day="08:29:50", start=False)
    AutoGo(r.engine, r.clock, 2 * S)
    r.engine.start()
    r.advance_to(40)  # the walk-in goes at 10 s (08:30:00), its follow at 10.5 s; the playhead passes the armed 4, 5
    # LX 10 GAP (2 s) after the last completion, not after 08:55: cue 4 and the call behind it only wait
    assert r.gos() == [("1", "at", 10.0), ("2", "follow", 10.5), ("10", "auto", 12.5)]
    upcoming = r.engine.snapshot().next_auto
    assert upcoming is not None and upcoming.cue == "4"
