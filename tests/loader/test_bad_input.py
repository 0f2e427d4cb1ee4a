"""Bad show files: each is refused with located, readable problems (exact texts)."""

from __future__ import annotations

from support.showfiles import HEADER, Write, header, problems


def test_malformed_yaml(write: Write) -> None:
    path = write("showcall: 1\nshow: {title: T\ncues: []\n")
    assert problems(path) == [
        "show.yaml:3:5: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 2)"
    ]


def test_tab_in_indentation(write: Write) -> None:
    path = write("showcall: 1\nshow:\n\ttitle: T\n")
    assert problems(path) == [
        "show.yaml:3:1: a tab character in indentation: YAML indents with spaces only; replace the tab with spaces"
    ]


def test_wrong_types(write: Write) -> None:
    path = write(
        header(
            """\
        cues:
          - id: 1
            dept: LX
            actions:
              - osc: {device: gfx, address: /x, args: [[1]]}
          - id: 2
            dept: [LX]
            label: {a: 1}
          - {id: 3, dept: LX, actions: [{lx.fire: {list: one, cue: 1}}]}
          - {id: 4, dept: LX, go: 5}
        """
        )
    )
    assert problems(path) == [
        "show.yaml:14:48: cue 1: args item 1 must be a number, text, true/false or a typed argument like {f: 0.5},"
        " got a list",
        "show.yaml:16:11: cue 2: dept must be text, got a list",
        "show.yaml:17:12: cue 2: label must be text, got a mapping",
        "show.yaml:18:50: cue 3: list must be a whole number, got a string 'one'",
        "show.yaml:19:27: cue 4: go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or"
        " {timecode: 'HH:MM:SS:FF'}",
    ]


def test_unknown_keys_suggest_the_key_meant(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T, venu: Hall}
        devices:
          lx: {driver: eos, host: 127.0.0.1, prot: 3032}
        departments: {LX: {}}
        cues:
          - id: 1
            dept: LX
            lable: Typo
            actions:
              - osc: {device: lx, adress: /eos/ping}
              - lx.fire: {cue: 1, lst: 2}
        segmants: []
        """
    )
    assert problems(path) == [
        "show.yaml:2:18: show: unknown key 'venu' (did you mean 'venue'?)",
        "show.yaml:4:38: device lx: unknown key 'prot' (did you mean 'port'?)",
        "show.yaml:9:5: cue 1: unknown key 'lable' (did you mean 'label'?)",
        "show.yaml:11:27: cue 1: unknown key 'adress' (did you mean 'address'?)",
        "show.yaml:13:1: unknown key 'segmants' (did you mean 'segments'?)",
    ]


def test_unknown_verb_parameter_is_reported_with_the_ones_allowed(write: Write) -> None:
    path = write(HEADER + "cues:\n  - {id: 1, dept: LX, actions: [{lx.fire: {cue: 1, lst: 2}}]}\n")
    assert problems(path) == [
        "show.yaml:11:52: cue 1: unknown parameter 'lst' for eos.fire (did you mean 'list'?) (parameters: list, cue)",
    ]


def test_missing_required_fields(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {venue: Hall}
        departments: {LX: {}}
        devices:
          lx: {driver: eos}
          mid: {driver: midi}
        segments:
          - title: Opening
            cues:
              - dept: LX
              - id: 2
              - {id: 3, dept: LX, actions: [{lx.fire: {list: 1}}]}
        """
    )
    assert problems(path) == [
        "show.yaml:2:7: show: missing required key 'title'",
        "show.yaml:5:7: device lx: missing required key 'host': the eos device's IP address",
        "show.yaml:6:8: device mid: missing required key 'midi_port': a MIDI port name, or host:port for a socket port",
        "show.yaml:8:5: segment 1: missing required key 'id'",
        "show.yaml:10:9: cue #1 of segment 1: missing required key 'id'",
        "show.yaml:11:9: cue 2: missing required key 'dept'",
        "show.yaml:12:38: cue 3: lx.fire needs parameter 'cue'",
    ]


def test_bad_duration_time_and_timecode(write: Write) -> None:
    path = write(
        header(
            """\
        cues:
          - {id: 1, dept: LX}
          - {id: 2, dept: LX, go: {follow: 2 sec}}
          - {id: 3, dept: LX, go: {at: "25:00"}}
          - {id: 4, dept: LX, go: {timecode: "01:00:10"}}
          - {id: 5, dept: LX, go: {follow: 2}}
          - {id: 6, dept: LX, go: {after: 1m30}}
          - {id: 7, dept: LX, go: {timecode: "01:00:10:25"}}
          - {id: 8, dept: LX, actions: [{wait: -1s}]}
        """
        ).replace("{title: Test show}", "{title: T, fps: 25, go_guard: fast}")
    )
    hint = "write a duration like '250ms', '2s', '1.5s', '1m30s' or '1h'"
    assert problems(path) == [
        f"show.yaml:2:37: show: bad duration 'fast': {hint}",
        f"show.yaml:12:36: cue 2: bad duration '2 sec': {hint}",
        "show.yaml:13:32: cue 3: bad time of day '25:00': hours 00-23, minutes and seconds 00-59",
        "show.yaml:14:38: cue 4: bad timecode '01:00:10': write HH:MM:SS:FF, e.g. '01:00:10:00'",
        f"show.yaml:15:36: cue 5: duration '2' has no unit: {hint}",
        f"show.yaml:16:35: cue 6: bad duration '1m30': {hint}",
        "show.yaml:17:27: cue 7: timecode 01:00:10:25 has frame 25, but at 25 fps frames run 00-24",
        f"show.yaml:18:40: cue 8: bad duration '-1s': {hint}",
    ]


def test_unknown_driver(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices:
          lx: {driver: eoss, host: 127.0.0.1}
        departments: {LX: {}}
        cues:
          - {id: 1, dept: LX, actions: [{lx.fire: {cue: 1}}]}
        """
    )
    assert problems(path) == [
        "show.yaml:4:16: device lx: unknown driver 'eoss': the profiles are disguise, eos, midi, millumin, msc,"
        " osc, qlab, resolume, x32"
    ]


def test_missing_and_circular_includes(write: Write, tmp_path: object) -> None:
    write("include: [loop_b.yaml]\n", "packs/loop_a.yaml")
    write("showcall: 1\ninclude: [loop_a.yaml]\n", "packs/loop_b.yaml")
    path = write(
        """\
        showcall: 1
        show: {title: T}
        include: [packs/nothere.yaml, packs/loop_a.yaml]
        departments: {LX: {}}
        cues: [{id: 1, dept: LX}]
        """
    )
    found = problems(path)
    assert len(found) == 2
    assert found[0].startswith("packs/loop_b.yaml:2:11: include: circular include: show.yaml -> loop_a.yaml")
    assert found[0].endswith("loop_b.yaml -> loop_a.yaml")
    assert found[1].startswith("show.yaml:3:11: include: included file not found: packs/nothere.yaml (looked for ")


def test_pack_parameters(write: Write) -> None:
    path = write(
        header(
            """\
        packs:
          walkup:
            params: {speaker: {}, track: {default: 1}}
            cues:
              - {id: "{id}", dept: SND, label: "Walk-up for {speaker}", actions: [{snd.start: {cue: "{track}"}}]}
        cues:
          - use: walkup
            with: {id: "3"}
          - use: walkup
            with: {id: "4", speaker: X, trak: 2}
          - use: walkon
        """
        )
    )
    assert problems(path) == [
        "show.yaml:16:10: use walkup: pack walkup needs parameter 'speaker'",
        "show.yaml:19:33: use walkup: unknown parameter 'trak' for pack walkup (parameters: id, speaker, track)",
        "show.yaml:20:10: use walkon: unknown pack 'walkon' (packs: walkup)",
    ]


def test_not_a_show(write: Write) -> None:
    assert problems(write("title: My notes\nitems: [a, b]\n")) == [
        "show.yaml:1:1: not a showcall show file: it must be a YAML mapping starting with `showcall: 1`"
    ]
    assert problems(write("- just\n- a list\n", "list.yaml")) == [
        "list.yaml:1:1: not a showcall show file: it must be a YAML mapping starting with `showcall: 1`"
    ]
    assert problems(write("showcall: 2\nshow: {title: T}\n", "v2.yaml")) == [
        "v2.yaml:1:11: unsupported show-file version 2: this showcall reads version 1"
    ]


def test_empty_file(write: Write) -> None:
    assert problems(write("")) == ["show.yaml:1:1: the file is empty: a show file starts with `showcall: 1`"]
    assert problems(write("# only a comment\n", "comment.yaml")) == [
        "comment.yaml:1:1: the file is empty: a show file starts with `showcall: 1`"
    ]


def test_binary_file(write: Write) -> None:
    assert problems(write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) == [
        "show.yaml:3:1: this is a binary file, not a YAML show file"
    ]
    assert problems(write(b"showcall: 1\nshow: {title: \xff\xfe}\n", "latin.yaml")) == [
        "latin.yaml:2:15: not UTF-8 text (is this a binary file?); save the show file as UTF-8"
    ]


def test_missing_file(tmp_path: object) -> None:
    from pathlib import Path

    from showcall.compile.showfile import load_show

    loaded = load_show(Path(str(tmp_path)) / "nope.yaml", display="nope.yaml")
    assert [str(p) for p in loaded.problems] == ["nope.yaml:1:1: file not found"]


def test_every_problem_is_reported_at_once(write: Write) -> None:
    """Problems in separate cues, devices and the show block all come back from one load."""
    path = write(
        """\
        showcall: 1
        show: {title: T, fps: 60}
        devices:
          lx: {driver: eos, host: 127.0.0.1, port: 99999}
        departments: {LX: {}}
        cues:
          - {id: 1, dept: LX, go: {folow: 1s}}
          - {id: 1 2, dept: LX}
          - {id: 3, dept: lx}
        """
    )
    assert problems(path) == [
        "show.yaml:2:23: show: unsupported fps '60': use 24, 25, 29.97df or 30",
        "show.yaml:4:44: device lx: port must be at most 65535, got 99999",
        "show.yaml:7:27: cue 1: go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or"
        " {timecode: 'HH:MM:SS:FF'}",
        "show.yaml:8:10: cue 1 2: id '1 2' may only contain letters, digits, '.', '_' and '-', starting with a letter"
        " or digit (e.g. 12.5)",
        "show.yaml:9:19: cue 3: department 'lx' must be capital letters and digits, e.g. LX, SND, VID",
    ]
