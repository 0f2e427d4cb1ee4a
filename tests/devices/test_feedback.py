"""FeedbackDecoder on the built-in profiles: packets built by python-osc (an encoder independent of the
simulators) become reports with the captured fields, values and the words the console shows."""

from __future__ import annotations

import json

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import build_msg

from showcall.devices.feedback import FeedbackDecoder, FeedbackPattern, x32_fader_db
from showcall.loader.profiles import load_profiles
from showcall.model.profile import FeedbackSpec, Profile


def profile(driver: str) -> Profile:
    loaded = load_profiles().get(driver)
    assert loaded is not None
    return loaded.profile


@pytest.fixture
def decoder() -> FeedbackDecoder:
    return FeedbackDecoder({d: profile(d) for d in ("eos", "qlab", "x32", "disguise", "osc", "midi")})


def details(decoder: FeedbackDecoder, device: str, *messages: tuple[str, list[object]]) -> list[str]:
    return [r.detail for m in messages for r in decoder.decode(device, build_msg(*m).dgram)]


def test_eos_active_and_pending_cue(decoder: FeedbackDecoder) -> None:
    (active,) = decoder.decode("eos", build_msg("/eos/out/active/cue/1/12.5", [0.45]).dgram)
    assert (active.report, dict(active.fields), active.value, active.routine) == (
        "active_cue",
        {"list": "1", "cue": "12.5"},
        pytest.approx(0.45),
        False,
    )
    assert active.detail == "active cue 1/12.5 (45%)"
    assert details(decoder, "eos", ("/eos/out/pending/cue/1/13", []), ("/eos/out/ping", [])) == [
        "pending cue 1/13",
        "ping answered",
    ]


def test_qlab_reply_json_and_the_rest_of_the_address_capture(decoder: FeedbackDecoder) -> None:
    body = {"workspace_id": "W1", "address": "/cue/12/start", "status": "ok"}
    (reply,) = decoder.decode("qlab", build_msg("/reply/cue/12/start", [json.dumps(body)]).dgram)
    assert (reply.fields, reply.value, reply.detail) == ({"address": "cue/12/start"}, body, "reply /cue/12/start ok")
    data = {"workspace_id": "W1", "address": "/runningCues", "status": "ok", "data": [{"number": "5"}]}
    assert details(decoder, "qlab", ("/reply/runningCues", [json.dumps(data)])) == [
        'reply /runningCues ok: [{"number": "5"}]'
    ]
    error = {"workspace_id": "W1", "address": "/cue/X/start", "status": "error"}
    assert details(decoder, "qlab", ("/reply/cue/X/start", [json.dumps(error)]), ("/reply/go", ["{oops"])) == [
        "reply /cue/X/start error",
        "reply /go (not JSON)",
    ]


def test_x32_mute_and_fader_in_the_desks_terms(decoder: FeedbackDecoder) -> None:
    assert details(
        decoder,
        "x32",
        ("/ch/03/mix/on", [0]),
        ("/ch/03/mix/on", [1]),
        ("/ch/03/mix/fader", [0.75]),
        ("/ch/03/mix/fader", [0.0]),
    ) == ["ch 03 muted", "ch 03 unmuted", "ch 03 fader 0.75 (+0.0 dB)", "ch 03 fader 0.00 (-inf dB)"]
    assert [x32_fader_db(f) for f in (1.0, 0.5, 0.25, 0.0625)] == [10.0, -10.0, -30.0, -60.0]


def test_disguise_heartbeat_is_routine(decoder: FeedbackDecoder) -> None:
    (beat,) = decoder.decode("disguise", build_msg("/d3/showcontrol/heartbeat", [0.5]).dgram)
    assert (beat.report, beat.detail, beat.value, beat.routine) == ("heartbeat", "heartbeat", 0.5, True)


def test_a_bundle_gives_one_report_per_message(decoder: FeedbackDecoder) -> None:
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(build_msg("/ch/01/mix/on", [0]))
    bundle.add_content(build_msg("/ch/02/mix/on", [0]))
    assert [r.detail for r in decoder.decode("x32", bundle.build().dgram)] == ["ch 01 muted", "ch 02 muted"]


def test_malformed_unmatched_and_unknown_are_counted_not_raised(decoder: FeedbackDecoder) -> None:
    assert decoder.decode("eos", b"\x00\x01\x02") == []
    assert decoder.decode("eos", build_msg("/eos/out/show/name", ["Hamlet"]).dgram) == []
    assert decoder.decode("osc", build_msg("/anything", [1]).dgram) == []  # no feedback specs
    assert decoder.decode("nobody", build_msg("/x").dgram) == []
    stats = decoder.statistics()
    assert (stats["eos"].packets, stats["eos"].malformed, stats["eos"].unmatched, stats["eos"].reports) == (2, 1, 1, 0)
    assert stats["eos"].last_error == "not a multiple of 4 bytes"
    assert (stats["osc"].unmatched, stats["nobody"].unmatched) == (1, 1)


def test_patterns_capture_one_part_or_the_rest() -> None:
    one = FeedbackPattern(FeedbackSpec(address="/a/{x}/b", report="r"))
    rest = FeedbackPattern(FeedbackSpec(address="/a/{x*}", report="r"))
    assert one.match("/a/1/b") == {"x": "1"} and one.match("/a/1/2/b") is None and one.match("/a/1/bc") is None
    assert rest.match("/a/1/2/b") == {"x": "1/2/b"} and rest.match("/a/") is None
    literal = FeedbackPattern(FeedbackSpec(address="/a.b/{x}", report="r"))
    assert literal.match("/a.b/1") == {"x": "1"} and literal.match("/aXb/1") is None


def test_an_unknown_report_name_still_reads(decoder: FeedbackDecoder) -> None:
    custom = profile("osc").model_copy(
        update={"feedback": [FeedbackSpec(address="/tally/{camera}", report="tally_on")]}
    )
    (report,) = FeedbackDecoder({"cams": custom}).decode("cams", build_msg("/tally/4", [1, "red"]).dgram)
    assert report.detail == 'tally on camera 4 1 "red"'
