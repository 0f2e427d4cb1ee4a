"""Example shows edited in known ways: the diff lists exactly those edits, by department, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from showcall.compile.showfile import load_show
from showcall.diff.render import WIDTH, render_text

from support.showpairs import REPO, ShowPair, lines


@pytest.fixture
def pair(tmp_path: Path) -> ShowPair:
    return ShowPair(tmp_path)


@pytest.mark.parametrize("show", ["summit.yaml", "concert.yaml", "theatre.yaml", "tiny.yaml"])
def test_a_show_against_itself_has_no_changes(pair: ShowPair, show: str) -> None:
    diff = pair.diff(show)
    assert diff.equal
    assert lines(diff) == []
    assert diff.summary("since the last run") == "no changes since the last run"


def test_the_same_show_written_differently_has_no_changes(pair: ShowPair) -> None:
    pair.edit("tiny.yaml", "go: {follow: 2s}", "go: {follow: 2000ms}")  # the same time
    pair.edit("tiny.yaml", "lx.fire: {cue: 1}", "lx.fire: {cue: 1, list: 1}")  # the profile's default, written out
    pair.edit("tiny.yaml", "standby: Standby lights 3\n", "standby: Standby lights 3  # the caller's words\n")
    pair.edit("tiny.yaml", '  - id: "1"\n    dept: LX\n', "  - dept: LX\n    id: '1'\n")  # keys reordered
    pair.edit(
        "tiny.yaml", "    label: Preshow music out\n", "    label: Preshow music out\n    standby: Standby SND 2\n"
    )
    assert lines(pair.diff("tiny.yaml")) == []


def test_label_changed(pair: ShowPair) -> None:
    pair.edit("summit.yaml", "        label: House out\n", "        label: House out, slowly\n")
    diff = pair.diff()
    assert lines(diff) == ["LX: ~ LX 11 label: House out -> House out, slowly"]
    assert diff.summary("since the last run") == "1 cue changed since the last run"


def test_cue_added(pair: ShowPair) -> None:
    pair.edit(
        "tiny.yaml",
        '  - id: "3"\n',
        '  - id: "2.5"\n    dept: LX\n    label: Stage wash\n    go: {after: 1s}\n    notes: Slow.\n'
        "    actions:\n      - lx.fire: {cue: 1.5}\n      - wait: 2s\n      - lx.macro: {number: 9}\n"
        '  - id: "3"\n',
    )
    assert lines(pair.diff("tiny.yaml")) == [
        "LX: + LX 2.5 position: None -> after SND 2",
        "LX: + LX 2.5 go: None -> after 1s",
        "LX: + LX 2.5 notes: None -> Slow.",
        "LX: + LX 2.5 send + lx /eos/cue/1/1.5/fire @0",
        "LX: + LX 2.5 send + lx /eos/macro/9/fire @2000000000",
    ]


def test_cue_removed(pair: ShowPair) -> None:
    pair.edit(
        "summit.yaml", '      - id: "43"\n        dept: CAM\n        label: Back to IMAG on the centre screen\n', ""
    )
    assert lines(pair.diff()) == [
        "CAM: - CAM 43 segment: product -> None",
        "CAM: - CAM 43 position: after CAM 42 -> None",
    ]


def test_cue_renumbered_is_one_cue_not_a_removal_and_an_addition(pair: ShowPair) -> None:
    pair.edit("summit.yaml", '      - id: "24"\n        dept: VID\n', '      - id: "23"\n        dept: VID\n')
    assert lines(pair.diff()) == ["VID: ~ VID 23 id: 24 -> 23"]


def test_cue_renumbered_and_changed_is_matched_by_department_and_label(pair: ShowPair) -> None:
    pair.edit("tiny.yaml", '  - id: "4"\n', '  - id: "5"\n')
    pair.edit("tiny.yaml", 'snd.start: {cue: "10"}', 'snd.start: {cue: "11"}')
    assert lines(pair.diff("tiny.yaml")) == [
        "SND: ~ SND 5 id: 4 -> 5",
        "SND: ~ SND 5 send - snd /cue/10/start @0",
        "SND: ~ SND 5 send + snd /cue/11/start @0",
    ]


def test_cue_moved_to_another_segment(pair: ShowPair) -> None:
    cue = (
        '      - id: "25"\n        dept: SND\n        label: Host handheld off\n'
        "        notes: Sam throws to the VOG and leaves stage left; mic off once he is in the wings.\n"
        "        actions:\n          - mix.mute: {channel: 1, on: true}\n"
    )
    pair.edit("summit.yaml", cue, "")
    pair.edit("summit.yaml", "          - lx.fire: {cue: 33}\n", "          - lx.fire: {cue: 33}\n" + cue)
    assert lines(pair.diff()) == [
        "SND: ~ SND 25 segment: welcome -> keynote",
        "SND: ~ SND 25 position: after LX 24.1 -> after LX 33.1",
    ]


def test_cue_moved_to_the_start_of_the_next_segment_keeps_its_order(pair: ShowPair) -> None:
    cue = (
        '      - id: "25"\n        dept: SND\n        label: Host handheld off\n'
        "        notes: Sam throws to the VOG and leaves stage left; mic off once he is in the wings.\n"
        "        actions:\n          - mix.mute: {channel: 1, on: true}\n"
    )
    pair.edit("summit.yaml", cue, "")
    pair.edit("summit.yaml", '    cues:\n      - id: "30"\n', "    cues:\n" + cue + '      - id: "30"\n')
    assert lines(pair.diff()) == ["SND: ~ SND 25 segment: welcome -> keynote"]


def test_two_cues_swapped_is_one_move(pair: ShowPair) -> None:
    fx2 = (
        "  - id: FX2\n    dept: SFX\n    label: Knock at the door\n"
        "    notes: \"On Tom: 'Nobody comes out on a night like this.'\"\n"
        "    actions:\n      - snd.start: {cue: FX2}\n"
    )
    pair.edit("theatre.yaml", fx2, "")
    pair.edit("theatre.yaml", "      - snd.start: {cue: FX3}\n", "      - snd.start: {cue: FX3}\n" + fx2)
    assert lines(pair.diff("theatre.yaml")) == ["SFX: ~ SFX FX3 position: after SFX FX2 -> after PROJ P2"]


def test_follow_time_changed(pair: ShowPair) -> None:
    pair.edit("tiny.yaml", "go: {follow: 2s}", "go: {follow: 3.5s}")
    assert lines(pair.diff("tiny.yaml")) == ["SND: ~ SND 2 go: follow 2s -> follow 3.5s"]


def test_trigger_kind_and_timecode_changed(pair: ShowPair) -> None:
    pair.edit("concert.yaml", 'go: {timecode: "01:00:15:00"}', 'go: {timecode: "01:00:15:12"}')
    diff = pair.diff("concert.yaml")
    ((dept, cue),) = [(d.dept, c) for d in diff.departments for c in d.cues]
    assert dept == "LX"
    assert [(f.field, f.old, f.new) for f in cue.fields] == [("go", "timecode 01:00:15:00", "timecode 01:00:15:12")]
    assert not cue.sends and not diff.show


def test_wait_changed_moves_the_sends_after_it(pair: ShowPair) -> None:
    pair.edit("summit.yaml", "          - wait: 45s\n", "          - wait: 40s\n")
    assert lines(pair.diff()) == [
        "GFX: ~ GFX 22 send - gfx /card/out 1 @45000000000",
        "GFX: ~ GFX 22 send + gfx /card/out 1 @40000000000",
    ]


def test_action_parameter_changed(pair: ShowPair) -> None:
    pair.edit(
        "summit.yaml",
        '          - lx.fire: {cue: 40}\n      - id: "35"',
        '          - lx.fire: {cue: 42}\n      - id: "35"',
    )
    assert lines(pair.diff()) == [
        "LX: ~ LX 34 send - lx /eos/cue/1/40/fire @0",
        "LX: ~ LX 34 send + lx /eos/cue/1/42/fire @0",
    ]


def test_pack_parameter_changed_lists_every_cue_it_touches(pair: ShowPair) -> None:
    pair.edit("packs/corporate.yaml", "special: {default: 40,", "special: {default: 45,")
    assert lines(pair.diff()) == [
        "LX: ~ LX 31.1 send - lx /eos/cue/1/40/fire @0",
        "LX: ~ LX 31.1 send + lx /eos/cue/1/45/fire @0",
        "LX: ~ LX 31.1 via pack walkup",
        "LX: ~ LX 40.1 send - lx /eos/cue/1/40/fire @0",
        "LX: ~ LX 40.1 send + lx /eos/cue/1/45/fire @0",
        "LX: ~ LX 40.1 via pack walkup",
        "LX: ~ LX 62.1 send - lx /eos/cue/1/40/fire @0",
        "LX: ~ LX 62.1 send + lx /eos/cue/1/45/fire @0",
        "LX: ~ LX 62.1 via pack walkup",
        "show: ~ pack walkup param special: default 40 -> default 45",
        "show: ~ pack walkup touches LX 31.1, LX 40.1, LX 62.1",
    ]


def test_pack_template_changed(pair: ShowPair) -> None:
    pair.edit("packs/corporate.yaml", "        label: Winner card out\n", "        label: Winner card out, fade\n")
    found = lines(pair.diff())
    assert found[-2:] == [
        "show: ~ pack award cue {id}.4 label: Winner card out -> Winner card out, fade",
        "show: ~ pack award touches GFX 70.4, GFX 75.4, GFX 80.4",
    ]
    assert found[:-2] == [
        f"GFX: ~ GFX {n}.4 {fact}"
        for n in (70, 75, 80)
        for fact in ("label: Winner card out -> Winner card out, fade", "via pack award")
    ]


def test_device_host_changed(pair: ShowPair) -> None:
    pair.edit("packs/corporate.yaml", "    driver: x32\n    host: 127.0.0.1", "    driver: x32\n    host: 10.0.0.20")
    assert lines(pair.diff()) == ["show: ~ device mix host: 127.0.0.1 -> 10.0.0.20"]


def test_device_id_changes_every_msc_cue_and_the_bytes_tell_them_apart(pair: ShowPair) -> None:
    pair.edit("concert.yaml", "    device_id: 1\n", "    device_id: 5\n")
    diff = pair.diff("concert.yaml")
    found = lines(diff)
    assert found[-2:] == [  # the panic message (MSC all-off) is addressed to the device too
        "show: ~ device lxmsc device_id: 1 -> 5",
        "show: ~ device lxmsc panic: 1 message (bfb9b649) -> 1 message (2583bb85)",
    ]
    changed = {line.split(" send ")[0] for line in found[:-2]}
    plan = load_show(pair.old / "concert.yaml").plan
    assert plan is not None
    senders = {f"{c.cue.dept}: ~ {c.cue.name}" for c in plan.cues if "lxmsc" in c.devices}
    assert changed == senders and len(senders) > 10
    text = render_text(diff, "old", "new")
    assert "        - lxmsc MSC go cue 1 list 1 [bytes f07f01020101310031f7]\n" in text
    assert "        + lxmsc MSC go cue 1 list 1 [bytes f07f05020101310031f7]\n" in text


def test_device_profile_default_port_shows_as_the_address(pair: ShowPair) -> None:
    # the repository's qlab profile, copied beside the new show (a show's own drivers/ win) with another port
    text = (REPO / "drivers" / "qlab.yaml").read_text(encoding="utf-8")
    (pair.new / "drivers" / "qlab.yaml").write_text(text.replace("port: 53000,", "port: 53010,"), encoding="utf-8")
    assert lines(pair.diff("tiny.yaml")) == ["show: ~ device snd address: udp 127.0.0.1:53000 -> udp 127.0.0.1:53010"]


def test_segment_retimed(pair: ShowPair) -> None:
    pair.edit("summit.yaml", "    duration: 3m\n", "    duration: 2m30s\n")
    pair.edit(
        "summit.yaml", '    start: "09:10:00"\n    duration: 35m\n', '    start: "09:10:30"\n    duration: 34m30s\n'
    )
    assert lines(pair.diff()) == [
        "show: ~ segment open duration: 3m -> 2m30s",
        "show: ~ segment keynote start: 09:10:00 -> 09:10:30",
        "show: ~ segment keynote duration: 35m -> 34m30s",
    ]


def test_department_changed_is_listed_under_both(pair: ShowPair) -> None:
    pair.edit("theatre.yaml", "  - id: FX1\n    dept: SFX\n", "  - id: FX1\n    dept: SND\n")
    assert lines(pair.diff("theatre.yaml")) == [
        "SND: ~ SND FX1 dept: SFX -> SND",
        "SFX: ~ SND FX1 dept: SFX -> SND",
    ]
    diff = pair.diff("theatre.yaml")
    assert diff.cues_changed == 1
    assert diff.summary() == "1 cue changed"


def test_show_block_and_department_changes(pair: ShowPair) -> None:
    pair.edit("theatre.yaml", "  go_guard: 500ms ", "  go_guard: 400ms ")
    pair.edit("theatre.yaml", 'operator: "Flyman (Rob)"', 'operator: "Flyman (Sue)"')
    diff = pair.diff("theatre.yaml")
    assert lines(diff) == [
        "show: ~ show The Lighthouse Keeper's Daughter go_guard: 500ms -> 400ms",
        "show: ~ department FLY operator: Flyman (Rob) -> Flyman (Sue)",
    ]
    assert diff.summary() == "1 show setting and 1 department changed"


def test_several_edits_at_once_and_their_text(pair: ShowPair) -> None:
    pair.edit(
        "summit.yaml",
        "        label: House out\n        go: {follow: 5s}",
        "        label: House out\n        go: {follow: 4s}",
    )
    pair.edit("summit.yaml", '      - id: "24"\n        dept: VID\n', '      - id: "23"\n        dept: VID\n')
    pair.edit("summit.yaml", "    duration: 3m\n", "    duration: 2m30s\n")
    pair.edit("packs/corporate.yaml", "    driver: x32\n    host: 127.0.0.1", "    driver: x32\n    host: 10.0.0.20")
    text = render_text(pair.diff(), "old/summit.yaml", "new/summit.yaml")
    assert text == (
        "showcall diff: old/summit.yaml -> new/summit.yaml\n"
        "2 cues, 1 segment and 1 device changed   (+ added  - removed  ~ changed)\n"
        "\n"
        "LX  Lighting: 1 cue\n"
        "  ~ LX 11  House out\n"
        "      trigger: follow 5s -> follow 4s\n"
        "\n"
        "VID  Video playback: 1 cue\n"
        "  ~ VID 23  Sponsor thank-you reel\n"
        "      renumbered: 24 -> 23\n"
        "\n"
        "show: 2 changes\n"
        "  ~ segment open  Open video\n"
        "      duration: 3m -> 2m30s\n"
        "  ~ device mix\n"
        "      host: 127.0.0.1 -> 10.0.0.20\n"
    )


def test_text_fits_80_columns_with_long_values(pair: ShowPair) -> None:
    long = "Dana walks from stage left to the lectern, waits for the applause to die, " * 3
    pair.edit("summit.yaml", "        notes: Read live from the booth mic.\n", f"        notes: {long.strip()}\n")
    pair.edit("summit.yaml", "label: Walk-in look\n", "label: Walk-in look with " + "very " * 20 + "long words\n")
    text = render_text(pair.diff(), "old/" + "x" * 60 + ".yaml", "new/" + "y" * 60 + ".yaml")
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "      notes:\n        was: Read live from the booth mic.\n        now: Dana walks" in text


def test_two_cues_alike_renumbered_pair_in_firing_order(pair: ShowPair) -> None:
    # SND 35 and SND 44 have the same department, label and messages: each keeps its own place
    pair.edit("summit.yaml", '      - id: "35"\n        dept: SND\n', '      - id: "36"\n        dept: SND\n')
    pair.edit("summit.yaml", '      - id: "44"\n        dept: SND\n', '      - id: "45"\n        dept: SND\n')
    assert lines(pair.diff()) == ["SND: ~ SND 36 id: 35 -> 36", "SND: ~ SND 45 id: 44 -> 45"]
