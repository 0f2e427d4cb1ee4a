"""Pack changes reach every cue they touch, through packs used inside packs too; a cue's packs are kept in order."""

from __future__ import annotations

from pathlib import Path

from showcall.compile.showfile import load_show
from showcall.diff import compare

from support.showfiles import header
from support.showpairs import lines, record

SHOW = header("""\
    packs:
      flash:
        params: {look: {}}
        cues:
          - {id: "{id}.9", dept: LX, label: Flash, go: {follow: 0s}, actions: [{lx.fire: {cue: "{look}"}}]}
      song:
        params: {look: {}, track: {}}
        cues:
          - {id: "{id}", dept: SND, label: "Track {track}", actions: [{snd.start: {cue: "{track}"}}]}
          - {use: flash, with: {id: "{id}", look: "{look}"}}
    cues:
      - {id: "1", dept: LX, label: Preset, actions: [{lx.fire: {cue: 1}}]}
      - {use: song, with: {id: "10", look: 50, track: 3}}
      - {use: song, with: {id: "20", look: 60, track: 4}}
      - {use: flash, with: {id: "30", look: 70}}
""")


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "show.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_cue_knows_the_packs_it_came_from(tmp_path: Path) -> None:
    loaded = load_show(write(tmp_path, SHOW))
    assert loaded.sources is not None
    assert [(c.node["id"], c.packs) for c in loaded.sources.cues] == [
        ("1", ()),
        ("10", ("song",)),
        ("10.9", ("song", "flash")),
        ("20", ("song",)),
        ("20.9", ("song", "flash")),
        ("30.9", ("flash",)),
    ]


def test_a_change_to_a_pack_used_inside_another_reaches_its_cues(tmp_path: Path) -> None:
    old = write(tmp_path / "old", SHOW)
    new = write(tmp_path / "new", SHOW.replace("label: Flash,", "label: Big flash,"))
    diff = compare(record(old), record(new))
    assert lines(diff) == [
        "LX: ~ LX 10.9 label: Flash -> Big flash",
        "LX: ~ LX 10.9 via pack flash",
        "LX: ~ LX 20.9 label: Flash -> Big flash",
        "LX: ~ LX 20.9 via pack flash",
        "LX: ~ LX 30.9 label: Flash -> Big flash",
        "LX: ~ LX 30.9 via pack flash",
        "show: ~ pack flash cue {id}.9 label: Flash -> Big flash",
        "show: ~ pack flash touches LX 10.9, LX 20.9, LX 30.9",
    ]
    assert [c.packs for d in diff.departments for c in d.cues] == [("song", "flash"), ("song", "flash"), ("flash",)]


def test_a_pack_change_that_touches_no_cue_says_so(tmp_path: Path) -> None:
    old = write(tmp_path / "old", SHOW)
    new = write(
        tmp_path / "new", SHOW.replace("params: {look: {}, track: {}}", "params: {look: {}, track: {default: 1}}")
    )
    assert lines(compare(record(old), record(new))) == [
        "show: ~ pack song param track: required -> default 1",
        "show: ~ pack song touches ",  # every use gives its own track
    ]


def test_a_use_changed_is_a_cue_change_not_a_pack_change(tmp_path: Path) -> None:
    old = write(tmp_path / "old", SHOW)
    new = write(tmp_path / "new", SHOW.replace("look: 60, track: 4", "look: 61, track: 4"))
    assert lines(compare(record(old), record(new))) == [
        "LX: ~ LX 20.9 send - lx /eos/cue/1/60/fire @0",
        "LX: ~ LX 20.9 send + lx /eos/cue/1/61/fire @0",
    ]


def test_a_pack_added_and_used(tmp_path: Path) -> None:
    old = write(tmp_path / "old", SHOW)
    blackout = (
        '  blackout:\n    cues:\n      - {id: "{id}", dept: LX, label: Blackout, actions: [{lx.fire: {cue: 99}}]}\n'
    )
    assert SHOW.count("\ncues:\n") == 1
    new = write(
        tmp_path / "new",
        SHOW.replace("\ncues:\n", "\n" + blackout + "cues:\n") + '  - {use: blackout, with: {id: "99"}}\n',
    )
    assert lines(compare(record(old), record(new))) == [
        "LX: + LX 99 position: None -> after LX 30.9",
        "LX: + LX 99 go: None -> manual",
        "LX: + LX 99 send + lx /eos/cue/1/99/fire @0",
        "LX: + LX 99 via pack blackout",
        'show: + pack blackout cue {id}: None -> {"id": "{id}", "dept": "LX", "label": "Blackout", '
        '"actions": [{"lx.fire": {"cue": 99}}]}',
        "show: + pack blackout touches LX 99",
    ]


def test_a_template_inserted_first_in_a_pack_is_the_only_template_change(tmp_path: Path) -> None:
    old = write(tmp_path / "old", SHOW)
    first = '      - {id: "{id}", dept: SND, label: "Track {track}"'
    assert SHOW.count(first) == 1
    count_in = '      - {id: "{id}.0", dept: SND, label: Count-in, go: {follow: 0s}}\n'
    new = write(tmp_path / "new", SHOW.replace(first, count_in + first))
    assert lines(compare(record(old), record(new))) == [
        "SND: + SND 10.0 position: None -> after LX 1",
        "SND: + SND 10.0 go: None -> follow 0s",
        "SND: + SND 10.0 via pack song",
        "SND: + SND 20.0 position: None -> after LX 10.9",
        "SND: + SND 20.0 go: None -> follow 0s",
        "SND: + SND 20.0 via pack song",
        'show: ~ pack song cue {id}.0: None -> {"id": "{id}.0", "dept": "SND", "label": "Count-in", '
        '"go": {"follow": "0s"}}',
        "show: ~ pack song touches SND 10.0, SND 20.0",
    ]
