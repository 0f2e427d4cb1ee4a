"""Keeping a show as it was at a run: its JSON round-trips, the store writes once, changes_since reads it back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.diff import changes_since, keep_show, kept_path, read_kept, show_from_json, show_to_json
from showcall.errors import KeptShowError

from support.showpairs import REPO, record


@pytest.mark.parametrize("show", ["summit.yaml", "concert.yaml", "theatre.yaml", "tiny.yaml"])
def test_the_json_round_trips(show: str) -> None:
    kept = record(REPO / "shows" / show)
    back = show_from_json(show_to_json(kept))
    assert back == kept
    assert back.digest == kept.digest
    assert changes_since(kept, back).equal
    assert show_to_json(back) == show_to_json(kept)


def test_the_json_shape() -> None:
    data = json.loads(show_to_json(record(REPO / "shows" / "tiny.yaml")))
    assert sorted(data) == ["cues", "devices", "digest", "packs", "show", "showcall_show"]
    assert data["showcall_show"] == 1
    ((device, offset, summary, payload),) = data["cues"][1].pop("messages")
    assert data["cues"][1] == {"id": "2", "segment": None, "packs": []}
    assert (device, offset, summary) == ("snd", 0, "/cue/PRESHOW/stop")
    decoded = OscMessage(bytes.fromhex(payload))  # an independent decoder reads the kept bytes
    assert (decoded.address, decoded.params) == ("/cue/PRESHOW/stop", [])
    assert data["devices"]["lx"] == {
        "driver": "eos",
        "kind": "osc-tcp",
        "host": "127.0.0.1",
        "port": 3032,
        "framing": "length",
        "midi_port": "",
        "keepalive": [bytes(OscMessageBuilder("/eos/ping").build().dgram).hex()],  # Eos's profile: /eos/ping every 5s
        "keepalive_every_ns": 5_000_000_000,
        "panic": [bytes(OscMessageBuilder("/eos/key/stop").build().dgram).hex()],
        "reply_port": 0,
    }
    assert data["show"]["cues"][1] == {
        "id": "2",
        "dept": "SND",
        "label": "Preshow music out",
        "go": {"follow": "2s"},
        "actions": [{"snd.stop": {"cue": "PRESHOW"}}],
    }


def damaged(mutate: str) -> str:
    data = json.loads(show_to_json(record(REPO / "shows" / "tiny.yaml")))
    if mutate == "label":
        data["show"]["cues"][0]["label"] = "House to full"
    elif mutate == "bytes":
        data["cues"][0]["messages"][0][3] = "00"
    elif mutate == "cue id":
        data["show"]["cues"][0]["id"] = "99"
    elif mutate == "no devices":
        del data["devices"]
    elif mutate == "bad kind":
        data["devices"]["lx"]["kind"] = "carrier-pigeon"
    elif mutate == "bad show":
        data["show"]["cues"][0]["go"] = {"follow": "soon"}
    return json.dumps(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        ("label", "kept.json: damaged or from another showcall version (its content does not match its digest)"),
        ("bytes", "kept.json: damaged or from another showcall version (its content does not match its digest)"),
        ("cue id", "kept.json: damaged (its cue list does not match its show)"),
        ("no devices", "kept.json: damaged (KeyError: 'devices')"),
        ("bad kind", "kept.json: damaged (ValueError: device lx: kind 'carrier-pigeon', framing 'length')"),
        (
            "bad show",
            "kept.json: the show in it does not validate (cues.0.go.follow.follow: "
            "Value error, bad duration 'soon': write a duration like '250ms', '2s', '1.5s', '1m30s' or '1h')",
        ),
    ],
)
def test_a_damaged_record_is_refused_with_a_reason(mutate: str, message: str) -> None:
    with pytest.raises(KeptShowError) as caught:
        show_from_json(damaged(mutate), "kept.json")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "kept.json: not JSON (Expecting property name enclosed in double quotes at line 1)"),
        ('{"showcall_show": 2}', 'kept.json: not a kept show (no "showcall_show": 1)'),
        ("[]", 'kept.json: not a kept show (no "showcall_show": 1)'),
    ],
)
def test_not_a_record(text: str, message: str) -> None:
    with pytest.raises(KeptShowError) as caught:
        show_from_json(text, "kept.json")
    assert str(caught.value) == message


def test_keep_writes_once_beside_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run-1.jsonl"
    kept = record(REPO / "shows" / "summit.yaml")
    path = keep_show(log, kept)
    assert path == tmp_path / "logs" / "shows" / f"{kept.digest}.json"
    assert path == kept_path(log, kept.digest)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    path.write_text(path.read_text() + " ")  # a second keep of the same show must not rewrite it
    assert keep_show(tmp_path / "logs" / "run-2.jsonl", kept) == path
    assert path.read_text().endswith(" ")
    assert read_kept(log, kept.digest) == kept


def test_read_kept_when_nothing_was_kept_and_bad_digests(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    assert read_kept(log, "0" * 64) is None
    with pytest.raises(KeptShowError, match=r"not a show digest: '\.\./x'"):
        read_kept(log, "../x")
    kept = record(REPO / "shows" / "tiny.yaml")
    other = "f" * 64
    kept_path(log, other).parent.mkdir(parents=True)
    kept_path(log, other).write_text(show_to_json(kept))
    with pytest.raises(KeptShowError) as caught:
        read_kept(log, other)
    assert str(caught.value) == f"{kept_path(log, other)}: holds the show {kept.digest[:12]}..., not ffffffffffff..."


def test_keep_where_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(KeptShowError, match=r"^cannot keep the show in .*a-file/shows/[0-9a-f]{64}\.json: "):
        keep_show(tmp_path / "a-file" / "run.jsonl", record(REPO / "shows" / "tiny.yaml"))


def test_changed_since_the_last_run(tmp_path: Path) -> None:
    shows = tmp_path / "shows"
    shutil.copytree(REPO / "shows", shows)
    log = tmp_path / "logs" / "show.jsonl"
    first = record(shows / "summit.yaml")
    keep_show(log, first)  # the first run

    summit = shows / "summit.yaml"
    text = summit.read_text()
    text = text.replace("        label: House out\n", "        label: House out, slowly\n")
    text = text.replace("          - wait: 45s\n", "          - wait: 40s\n")
    summit.write_text(text)
    second = record(summit)
    assert second.digest != first.digest

    previous = read_kept(log, first.digest)  # the digest the last run's `loaded` event names
    assert previous is not None
    diff = changes_since(previous, second)
    assert [(d.dept, [c.name for c in d.cues]) for d in diff.departments] == [("LX", ["LX 11"]), ("GFX", ["GFX 22"])]
    assert diff.summary("since the last run") == "2 cues changed since the last run"
