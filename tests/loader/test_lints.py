"""Lints: mistakes a schema-valid show can still hold, each located with an exact message."""

from __future__ import annotations

from support.showfiles import Write, problems


def test_lints_beyond_the_schema(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: Lints, start: "22:00", fps: 29.97df}
        devices:
          lx: {driver: eos, host: 127.0.0.1}
          desk: {driver: msc, midi_port: "127.0.0.1:9080", dialect: no_decimals}
          gfx: {driver: osc, host: 127.0.0.1, port: 9000}
        departments:
          LX: {name: Lighting}
        segments:
          - id: a
            title: A
            duration: 30m
            cues:
              - {id: 1, dept: LX, go: {follow: 1s}}
              - {id: 2, dept: SND}
              - {id: 2, dept: LX, actions: [{lx.fir: {cue: 1}}, {lx.fire: {cue: 1, level: 2}}, {vid.go: {}}]}
              - {id: 3, dept: LX, go: {at: "23:30"}, actions: [{desk.go: {cue: 12.5}}]}
              - {id: 4, dept: LX, go: {at: "23:10"}}
              - {id: 5, dept: LX, go: {at: "00:10"}}
              - {id: 6, dept: LX, go: {timecode: "01:01:00:01"}}
              - {id: 7, dept: LX, go: {timecode: "01:10:00:00"}, actions: [{lx.sub: {number: 1, level: 1.5}}]}
          - id: b
            title: B
            start: "22:20"
            duration: 10m
          - id: c
            title: C
            start: "00:00"
        """
    )
    assert problems(path) == [
        "show.yaml:14:31: cue 1: the first cue cannot be 'follow': there is no previous cue to count from",
        "show.yaml:15:23: cue 2: department 'SND' is not declared under departments: (declared: LX)",
        "show.yaml:16:14: cue 2: duplicate cue id '2' (first at show.yaml:15:14)",
        "show.yaml:16:38: cue 2: unknown verb 'fir' for eos device 'lx' (did you mean 'fire'?) (verbs: back, cmd, fire,"
        " go, macro, ping, stop, sub)",
        "show.yaml:16:76: cue 2: unknown parameter 'level' for eos.fire (parameters: list, cue)",
        "show.yaml:16:89: cue 2: unknown device 'vid' in vid.go (devices: desk, gfx, lx)",
        "show.yaml:17:57: cue 3: device desk (no_decimals MSC): cue number '12.5' has decimals, which this device"
        " ignores (dialect no_decimals)",
        "show.yaml:18:31: cue 4: at 23:10 comes before cue 3 (at 23:30), which is earlier in the cue list: at cues"
        " must be in time order",
        "show.yaml:20:31: cue 6: timecode 01:01:00:01 does not exist at 29.97df: drop-frame skips frames 00 and 01 at"
        " the start of every minute except every tenth",
        "show.yaml:21:96: cue 7: level must be in range 0..1, got 1.5",
        "show.yaml:24:12: segment b: starts at 22:20 but segment a is planned to run until 22:30:00: the planned"
        " times overlap",
    ]


def test_at_cues_across_midnight_are_in_order(write: Write) -> None:
    """23:50 then 00:10 is in order for a show that starts at 22:00: the second is the next day."""
    path = write(
        """\
        showcall: 1
        show: {title: Late show, start: "22:00"}
        departments: {LX: {}}
        cues:
          - {id: 1, dept: LX, go: {at: "23:50"}}
          - {id: 2, dept: LX, go: {at: "00:10"}}
        """
    )
    assert problems(path) == []


def test_follow_after_the_first_cue_is_fine_and_after_on_first_is_not(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        departments: {LX: {}}
        cues:
          - {id: 1, dept: LX, go: {after: 1s}}
          - {id: 2, dept: LX, go: {follow: 1s}}
        """
    )
    assert problems(path) == [
        "show.yaml:5:27: cue 1: the first cue cannot be 'after': there is no previous cue to count from"
    ]


def test_empty_show(write: Write) -> None:
    path = write("showcall: 1\nshow: {title: Empty}\nsegments: []\n")
    assert problems(path) == ["show.yaml:1:1: the show has no cues: add segments with cues, or a cues list"]


def test_segments_and_cues_together_are_refused(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        departments: {LX: {}}
        segments: [{id: a, title: A, cues: [{id: 1, dept: LX}]}]
        cues: [{id: 2, dept: LX}]
        """
    )
    assert problems(path) == [
        "show.yaml:5:1: a show has segments (a run of show) or a flat cues list, not both",
    ]


def test_msc_cue_number_a_device_cannot_address(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices:
          desk: {driver: msc, midi_port: "127.0.0.1:9080", device_id: 1, command_format: lighting}
        departments: {LX: {}}
        cues:
          - {id: 1, dept: LX, actions: [{desk.go: {cue: 12a}}]}
          - {id: 2, dept: LX, actions: [{msc: {device: desk, command: go, cue: "1..2"}}]}
        """
    )
    found = problems(path)
    assert found[0] == "show.yaml:7:49: cue 1: cue must be a cue number like 12 or 12.5, got '12a'"
    assert found[1].startswith("show.yaml:8:33: cue 2: device desk (standard MSC): ")
    assert "1..2" in found[1]
    assert len(found) == 2
