"""MIDI Show Control: exact bytes from the specification's examples, error texts, dialects, round trips."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from showcall.errors import ShowcallError
from showcall.model.times import FrameRate, Timecode
from showcall.protocols import msc
from showcall.protocols.msc import Dialect, MscError, MscMessage, MscTime, check_address, decode, encode


def test_public_names_are_what_was_meant() -> None:
    assert set(msc.__all__) == {
        "COMMANDS", "COMMAND_FORMATS", "MAX_MESSAGE", "Dialect", "MscError", "MscMessage", "MscTime",
        "check_address", "command_code", "command_format_code", "command_format_name", "command_name",
        "decode", "encode",
    }  # fmt: skip


def test_specification_example_cue_list_path() -> None:
    wire = encode("go", cue="235.6", list="36.6", path="59")
    assert wire[6:-1] == bytes.fromhex("32 33 35 2E 36 00 33 36 2E 36 00 35 39")
    assert wire == bytes.fromhex("F0 7F 7F 02 7F 01 32 33 35 2E 36 00 33 36 2E 36 00 35 39 F7")


def test_magicq_go_cue_2_on_playback_10() -> None:
    wire = encode("GO", command_format="lighting", cue=2, list=10, dialect="magicq")
    assert wire == bytes.fromhex("F0 7F 7F 02 01 01 32 00 31 30 F7")


def test_tables_hold_the_specification_codes() -> None:
    assert len(msc.COMMAND_FORMATS) == 56  # domain.md's list: 6 + 9 + 11 + 9 + 6 + 9 + 5 + all types
    assert (
        msc.COMMAND_FORMATS["sound"],
        msc.COMMAND_FORMATS["barges"],
        msc.COMMAND_FORMATS["smoke_pots"],
    ) == (
        0x10,
        0x2A,
        0x64,
    )
    assert msc.COMMANDS["go_off"] == 0x0B
    assert msc.COMMANDS["close_cue_path"] == 0x1E
    assert msc.COMMANDS["abort"] == 0x26
    assert sorted(msc.COMMANDS.values()) == [*range(1, 0x0C), *range(0x10, 0x1F), *range(0x20, 0x27)]


@pytest.mark.parametrize(
    ("name", "code"),
    [("go", 1), ("GO", 1), ("Timed-Go", 4), ("timed_go", 4), ("GO/JAM_CLOCK", 0x10), ("standby_+", 0x11),
     ("Standby -", 0x12), ("sequence-plus", 0x13), ("all off", 8), (0x1B, 0x1B)],
)  # fmt: skip
def test_command_names_are_case_and_separator_insensitive(name: str | int, code: int) -> None:
    assert msc.command_code(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [("lighting", 1), ("Moving-Lights", 2), ("colour_changers", 3), ("ALL_TYPES", 0x7F), ("all", 0x7F),
     ("equalisers", 0x18), (0x45, 0x45)],
)  # fmt: skip
def test_command_format_names(name: str | int, code: int) -> None:
    assert msc.command_format_code(name) == code


def test_unknown_names_say_what_exists() -> None:
    with pytest.raises(MscError, match=r"^unknown MSC command 'jump': use one of go, stop, "):
        encode("jump")
    with pytest.raises(MscError, match=r"^unknown MSC command format 'lasers2': use one of lighting, "):
        encode("go", command_format="lasers2")
    with pytest.raises(MscError, match=r"^unknown MSC command 0x0C$"):
        encode(0x0C)


def test_msc_error_is_a_value_error_in_the_package_tree() -> None:
    assert issubclass(MscError, ValueError)
    assert issubclass(MscError, ShowcallError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"device_id": 128}, "device_id must be in range 0..127"),
        ({"device_id": -1}, "device_id must be in range 0..127"),
        ({"command_format": 0}, "command_format must be in range 1..127"),
        ({"cue": "12a"}, "cue number '12a' has characters MSC cannot carry: only digits and '.'"),
        ({"cue": "1..2"}, "cue number '1..2' has a misplaced '.': dots go between digits"),
        ({"cue": ".5"}, "cue number '.5' has a misplaced '.': dots go between digits"),
        ({"cue": "5."}, "cue number '5.' has a misplaced '.': dots go between digits"),
        ({"cue": ""}, "cue number is empty"),
        ({"cue": -3}, "cue number must not be negative"),
        ({"cue": True}, "cue number must be a number like '12' or '12.5', not a boolean"),
        (
            {"cue": "1", "path": "2"},
            "a cue path needs a cue list: MSC sends cue, list and path in that order",
        ),
        ({"list": "2"}, "a cue list needs a cue number: MSC sends cue, list and path in that order"),
        ({"macro": 1}, "go takes no macro"),
        ({"cue": "1", "data": b"\x01"}, "give either data or cue, not both"),
        ({"data": b"\x80"}, "data bytes must be in range 0..127"),
    ],
)
def test_go_refusals_have_uniform_texts(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MscError) as info:
        encode("go", **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("command", "kwargs", "message"),
    [
        ("timed_go", {"cue": "1"}, "timed_go needs a time"),
        ("load", {}, "load needs a cue"),
        ("set", {"control": 1}, "set needs a value"),
        ("set", {"control": 16384, "value": 0}, "control must be in range 0..16383"),
        ("set", {"control": 0, "value": -1}, "value must be in range 0..16383"),
        ("fire", {}, "fire needs a macro"),
        ("fire", {"macro": 128}, "macro must be in range 0..127"),
        ("all_off", {"cue": "1"}, "all_off takes no cue"),
        ("open_cue_list", {}, "open_cue_list needs a list"),
        ("close_cue_path", {"list": "1"}, "close_cue_path takes no list"),
        ("set_clock", {"list": "1"}, "set_clock needs a time"),
        ("standby", {"cue": "1"}, "standby is a two-phase commit command: give its data section with data="),
    ],
)
def test_command_data_rules(command: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MscError) as info:
        encode(command, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_exact_layouts_of_each_data_kind() -> None:
    t = MscTime(1, 2, 3, 4, 50, rate=1)
    assert t.encode() == bytes((0x21, 0x02, 0x03, 0x04, 50))
    assert encode("timed_go", time=t, cue="7", device_id=1, command_format="sound") == bytes.fromhex(
        "F0 7F 01 02 10 04 21 02 03 04 32 37 F7"
    )
    # SET control 300 to value 16383 (each 14 bits, low 7 bits first)
    assert encode("set", control=300, value=16383) == bytes.fromhex("F0 7F 7F 02 7F 06 2C 02 7F 7F F7")
    assert encode("set", control=1, value=2, time=t)[6:-1] == bytes.fromhex("01 00 02 00 21 02 03 04 32")
    assert encode("fire", macro=99) == bytes.fromhex("F0 7F 7F 02 7F 07 63 F7")
    assert encode("all_off") == bytes.fromhex("F0 7F 7F 02 7F 08 F7")
    assert encode("go") == bytes.fromhex("F0 7F 7F 02 7F 01 F7")
    assert encode("set_clock", time=MscTime(), list="3")[6:-1] == bytes.fromhex("60 00 00 00 00 33")
    assert encode("open_cue_path", path="12.1")[6:-1] == b"12.1"
    assert encode("standby_plus", list=4)[6:-1] == b"4"
    assert encode("standby", data=bytes((1, 2, 3)))[5:] == bytes.fromhex("20 01 02 03 F7")


def test_time_flags_and_status() -> None:
    t = MscTime(23, 59, 59, 29, rate=2, negative=True, colour_frame=True, status=0x05)
    assert t.encode() == bytes((0x40 | 23, 0x40 | 59, 59, 0x40 | 0x20 | 29, 0x05))
    assert MscTime.decode(t.encode()) == t
    with pytest.raises(MscError, match=r"^time frames must be in range 0\.\.24$"):
        MscTime(frames=25, rate=1)
    with pytest.raises(MscError, match="either fractional frames or a status byte"):
        MscTime(fractional=1, status=1)
    tc = Timecode(1, 0, 10, 12)
    assert MscTime.from_timecode(tc, FrameRate.FPS_25).encode() == bytes((0x21, 0, 10, 12, 0))
    assert MscTime.from_timecode(tc, FrameRate.FPS_25).to_timecode() == tc


def test_message_limit_is_128_bytes() -> None:
    cue = "1" * 40
    assert len(encode("go", cue=cue, list=cue, path="1" * 39)) == 128
    with pytest.raises(MscError, match=r"^MSC message would be 129 bytes; the limit is 128$"):
        encode("go", cue=cue, list=cue, path="1" * 40)


@pytest.mark.parametrize(
    ("dialect", "cue", "lst", "path", "reason"),
    [
        ("standard", "12.5", "1", "3", None),
        ("magicq", "2", "10", None, None),
        ("magicq", "2", None, None, None),
        ("magicq", None, "10", None,
         "MagicQ needs a cue number with a playback: give cue and list (list = playback number)"),
        ("magicq", "2", "10.5", None,
         "playback number '10.5' must be a whole number (dialect magicq: list = playback)"),
        ("no_decimals", "12", "3", None, None),
        ("no_decimals", "12.5", None, None,
         "cue number '12.5' has decimals, which this device ignores (dialect no_decimals)"),
        ("cue_only", "12.5", None, None, None),
        ("Cue-Only", "12", "1", None,
         "cue list cannot be addressed: the device ignores lists and paths (dialect cue_only)"),
    ],
)  # fmt: skip
def test_dialects_say_what_cannot_be_addressed(
    dialect: str, cue: str | None, lst: str | None, path: str | None, reason: str | None
) -> None:
    assert check_address(cue, lst, path, Dialect.parse(dialect)) == reason
    if reason is None:
        assert decode(encode("go", cue=cue, list=lst, path=path, dialect=dialect)).cue == cue
    else:
        with pytest.raises(MscError) as info:
            encode("go", cue=cue, list=lst, path=path, dialect=dialect)
        assert str(info.value) == reason


def test_dialect_parse_refuses_unknown_names() -> None:
    assert Dialect.parse("MagicQ") is Dialect.MAGICQ
    assert Dialect.parse("no-decimals") is Dialect.NO_DECIMALS
    with pytest.raises(MscError, match=r"^unknown MSC dialect 'eos': use one of standard, magicq, "):
        Dialect.parse("eos")


def test_yaml_float_keeps_its_source_text() -> None:
    class YamlFloat(float):
        source_text = "12.50"

    assert encode("go", cue=YamlFloat(12.5))[6:-1] == b"12.50"
    assert encode("go", cue=12.5)[6:-1] == b"12.5"


def test_decode_tolerates_a_trailing_00() -> None:
    message = decode(bytes.fromhex("F0 7F 05 02 01 01 31 32 00 F7"))
    assert (message.device_id, message.command_format_name, message.command_name) == (5, "lighting", "go")
    assert (message.cue, message.list) == ("12", None)
    assert decode(bytes.fromhex("F0 7F 7F 02 7F 07 05 00 F7")).macro == 5
    assert decode(bytes.fromhex("F0 7F 7F 02 7F 08 00 F7")).command_name == "all_off"
    assert decode(bytes.fromhex("F0 7F 7F 02 7F 06 01 00 02 00 00 F7")).value == 2


def test_decode_reads_what_mido_delivers() -> None:
    wire = encode("go", cue="235.6", list="36.6", path="59", device_id=3)
    (parsed,) = mido.parse_all(wire)
    message = decode(bytes(parsed.bytes()))
    assert (message.cue, message.list, message.path, message.device_id) == ("235.6", "36.6", "59", 3)
    assert message.raw == wire


@pytest.mark.parametrize(
    ("hexbytes", "message"),
    [
        ("F0 7F 7F 02 7F", "not a complete sysex message: MSC starts F0 7F <device_id> 02 and ends F7"),
        (
            "F0 7F 7F 01 01 00 00 00 00 F7",
            "not an MSC message: expected F0 7F <device_id> 02, got f0 7f 7f 01",
        ),
        ("F0 7F 7F 02 7F 01 31 80 F7", "byte 7 (0x80) is not a data byte"),
        ("F0 7F 7F 02 00 01 F7", "command format 00 is reserved"),
        ("F0 7F 7F 02 7F 0C F7", "unknown MSC command 0x0C"),
        (
            "F0 7F 7F 02 7F 01 31 41 F7",
            "cue number '1A' has characters MSC cannot carry: only digits and '.'",
        ),
        ("F0 7F 7F 02 7F 01 31 00 00 33 F7", "cue list is empty"),
        ("F0 7F 7F 02 7F 01 31 00 32 00 33 00 34 F7", "go carries at most 3 00-separated numbers, got 4"),
        ("F0 7F 7F 02 7F 06 01 02 03 F7", "set carries 4 or 9 data bytes, got 3"),
        ("F0 7F 7F 02 7F 07 F7", "fire carries 1 data byte, got 0"),
        ("F0 7F 7F 02 7F 04 01 02 F7", "timed_go needs a 5-byte time, got 2 bytes"),
        ("F0 7F 7F 02 7F 04 18 00 00 00 00 F7", "time hours must be in range 0..23"),
        ("F0 7F 7F 02 7F 05 F7", "load needs a cue"),
        ("F0 7F 7F 02 7F 1B F7", "open_cue_list needs a list"),
    ],
)
def test_decode_refuses_malformed_messages(hexbytes: str, message: str) -> None:
    with pytest.raises(MscError) as info:
        decode(bytes.fromhex(hexbytes))
    assert str(info.value) == message


def test_decode_refuses_more_than_128_bytes() -> None:
    wire = bytes.fromhex("F0 7F 7F 02 7F 01") + b"1" * 123 + b"\xf7"
    with pytest.raises(MscError, match=r"^MSC message is 130 bytes; the limit is 128$"):
        decode(wire)


def test_two_phase_commit_data_comes_back_raw() -> None:
    message = decode(encode("go_2pc", data=bytes.fromhex("01 02 03 04 31")))
    assert message.command_name == "go_2pc"
    assert message.data == bytes.fromhex("01 02 03 04 31")
    assert message.cue is None


# Digit groups joined by '.', leading zeros included: "007" and "7" are different cue texts on the wire.
numbers = st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=3).map(".".join)


@st.composite
def times(draw: st.DrawFn) -> MscTime:
    rate = draw(st.integers(0, 3))
    status = draw(st.none() | st.integers(0, 127))
    return MscTime(
        hours=draw(st.integers(0, 23)),
        minutes=draw(st.integers(0, 59)),
        seconds=draw(st.integers(0, 59)),
        frames=draw(st.integers(0, (24, 25, 30, 30)[rate] - 1)),
        fractional=0 if status is not None else draw(st.integers(0, 99)),
        rate=rate,
        negative=draw(st.booleans()),
        colour_frame=draw(st.booleans()),
        status=status,
    )


@st.composite
def cue_addresses(draw: st.DrawFn) -> dict[str, str]:
    depth = draw(st.integers(0, 3))
    return dict(list(zip(("cue", "list", "path"), (draw(numbers) for _ in range(depth)), strict=False)))


@given(
    command=st.sampled_from(["go", "stop", "resume", "go_off", "go_jam_clock", "load", "timed_go"]),
    address=cue_addresses(),
    time=times(),
    device_id=st.integers(0, 127),
    command_format=st.sampled_from(sorted(msc.COMMAND_FORMATS.values())),
)
def test_cue_commands_round_trip(
    command: str, address: dict[str, str], time: MscTime, device_id: int, command_format: int
) -> None:
    if command == "load" and not address:
        address = {"cue": "1"}
    kwargs: dict[str, Any] = {**address, "time": time} if command == "timed_go" else {**address}
    wire = encode(command, device_id=device_id, command_format=command_format, **kwargs)
    expected = MscMessage(device_id, command_format, msc.command_code(command), **kwargs, data=wire[6:-1], raw=wire)
    assert decode(wire) == expected
    padded = wire[:-1] + b"\x00\xf7"
    assert decode(padded) == replace(expected, data=padded[6:-1], raw=padded)


@given(control=st.integers(0, 0x3FFF), value=st.integers(0, 0x3FFF), time=st.none() | times())
def test_set_round_trips(control: int, value: int, time: MscTime | None) -> None:
    message = decode(encode("set", control=control, value=value, time=time))
    assert (message.control, message.value, message.time) == (control, value, time)


@given(time=times(), lst=st.none() | numbers)
def test_set_clock_round_trips(time: MscTime, lst: str | None) -> None:
    message = decode(encode("set_clock", time=time, list=lst))
    assert (message.time, message.list) == (time, lst)


@given(macro=st.integers(0, 127))
def test_fire_round_trips(macro: int) -> None:
    assert decode(encode("fire", macro=macro)).macro == macro


@given(data=st.binary(max_size=60).map(lambda b: bytes(x & 0x7F for x in b)))
def test_garbage_after_a_valid_header_never_crashes_decode(data: bytes) -> None:
    for code in msc.COMMANDS.values():
        with contextlib.suppress(MscError):
            decode(bytes((0xF0, 0x7F, 0x7F, 0x02, 0x7F, code)) + data + b"\xf7")
