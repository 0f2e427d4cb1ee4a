"""The failures fuzzing found, kept as regression cases: each show file in corpus/ says what it broke and
what showcall must now say about it (`# expect:` lines, exactly); the other inputs are tests below, each
with a comment saying what it broke."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from showcall.compile.showfile import load_show
from showcall.devices.feedback import FeedbackDecoder
from showcall.engine.log import LogError
from showcall.runner.session import _read_replay
from showcall.sim.base import Listen
from showcall.sim.disguise import DisguiseSimulator
from showcall.sim.eos import EosSimulator
from showcall.sim.listeners import UdpListener

from support.checking import assert_checked_cleanly

CORPUS = Path(__file__).parent / "corpus"
SHOW = """\
showcall: 1
show: {title: Corpus}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
cues:
  - {id: "1", dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: LX, go: {follow: 1s}, actions: [{lx.fire: {cue: 2}}]}
  - {id: "3", dept: LX, actions: [{lx.fire: {cue: 3}}]}
"""
SHOWS = sorted(p for p in (CORPUS / "showfiles").rglob("*.yaml") if "drivers" not in p.parts)


def expected(show: Path) -> list[str]:
    """The `# expect:` lines: `LINE:COL: message` in the show itself, or `PATH:LINE:COL: message` in a file
    beside it."""
    return [line.removeprefix("# expect: ") for line in show.read_text().splitlines() if line.startswith("# expect: ")]


@pytest.mark.parametrize("show", SHOWS, ids=lambda p: str(p.relative_to(CORPUS / "showfiles")))
def test_a_show_file_that_broke_showcall_is_refused_in_words(show: Path) -> None:
    problems = assert_checked_cleanly(show)
    said = []
    for problem in problems:
        path = Path(problem["path"])
        where = "" if path == show else f"{path.relative_to(show.parent).as_posix()}:"
        prefix = f"{problem['where']}: " if problem["where"] else ""
        said.append(f"{where}{problem['line']}:{problem['col']}: {prefix}{problem['message']}")
    assert said == expected(show)
    assert expected(show), "a corpus case says what showcall must say"


def _datagram(address: str, *args: tuple[object, str]) -> bytes:
    builder = OscMessageBuilder(address)
    for value, tag in args:
        builder.add_arg(value, tag)
    return bytes(builder.build().dgram)


def test_disguise_cue_with_a_nan_is_ignored() -> None:
    # Found reading the simulators' code while fuzzing them: /d3/showcontrol/cue with a NaN (or infinite)
    # float raised ValueError from round() in the disguise simulator's handler.
    sim = DisguiseSimulator("d3", Listen("osc-udp"))
    listener = UdpListener(sim, max_packet=512)
    listener._datagram(_datagram("/d3/showcontrol/cue", (math.nan, "f")), ("127.0.0.1", 9))
    listener._datagram(_datagram("/d3/showcontrol/cue", (1.0, "f"), (math.inf, "d")), ("127.0.0.1", 9))
    assert (sim.stats.received, sim.stats.ignored, sim.state()["cue"]) == (2, 2, None)


def test_an_eos_ping_it_cannot_echo_is_counted_not_raised() -> None:
    # Found fuzzing the simulators: /eos/ping with a double beyond float32's range; the Eos simulator echoes a
    # ping's arguments as YAML would type them (a float is 'f'), and encoding the answer raised OverflowError.
    sim = EosSimulator("lx", Listen("osc-udp"))
    listener = UdpListener(sim, max_packet=512)
    listener._datagram(_datagram("/eos/ping", (1.7976931348623157e308, "d")), ("127.0.0.1", 9))
    assert (sim.stats.received, sim.stats.send_errors) == (1, 1)
    assert sim.records("dropped")[-1].summary.startswith("answer /eos/out/ping 1.79769e+308 not sent: cannot encode")


LOGS = sorted((CORPUS / "logs").glob("*.jsonl"))


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_a_log_that_broke_resume_is_refused_in_words(tmp_path: Path, log: Path) -> None:
    # Each log's first line says what it broke ("fuzz") and what resuming from it must now say ("expect").
    header = json.loads(log.read_bytes().splitlines()[0])
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    copy = tmp_path / log.name
    copy.write_bytes(log.read_bytes().replace(b"{show}", str(show).encode()))
    with pytest.raises(LogError) as refused:
        _read_replay(copy, show)
    assert str(refused.value) == header["expect"].format(log=copy)
    assert header["fuzz"].startswith("Found ")


@pytest.mark.parametrize(
    ("device", "address", "arg", "detail"),
    [
        # Found fuzzing device feedback: an Eos active-cue fraction of NaN raised ValueError from round(),
        # out of the engine's report handling (anything on the show network can send one).
        ("lx", "/eos/out/active/cue/1/5", (math.nan, "f"), "active cue 1/5"),
        # The same with an infinity: OverflowError.
        ("lx", "/eos/out/active/cue/1/5", (math.inf, "f"), "active cue 1/5"),
        # Found with them, by reading: a QLab reply whose JSON nests thousands deep raised RecursionError.
        ("snd", "/reply/go", ('{"data":' * 3000 + "1" + "}" * 3000, "s"), "reply /go (not JSON)"),
    ],
)
def test_device_feedback_that_broke_the_engine_is_reported_plainly(
    device: str, address: str, arg: tuple[object, str], detail: str
) -> None:
    plan = load_show(Path(__file__).parents[2] / "shows" / "summit.yaml").plan
    assert plan is not None
    (report,) = FeedbackDecoder(plan).decode(device, _datagram(address, arg))
    assert report.detail == detail
