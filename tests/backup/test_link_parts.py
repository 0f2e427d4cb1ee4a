"""The link's small parts: its line framing, the passcode proof, the address list, the clock offset."""

from __future__ import annotations

from pathlib import Path

import pytest

from showcall.backup import wire
from showcall.backup.auth import (
    LOOPBACK,
    PASSCODE_ENV,
    LinkSetupError,
    allowed,
    parse_allow,
    proof,
    proven,
    read_passcode,
)
from showcall.backup.clocks import ClockOffset


def test_lines_are_cut_where_they_end_and_read_as_objects() -> None:
    reader = wire.LineReader()
    line = wire.encode(wire.BEAT, n=3, at=7, fenced=True)
    assert line == b'{"t":"beat","n":3,"at":7,"fenced":true}\n'
    assert reader.feed(line[:10]) == []
    assert reader.feed(line[10:] + line) == [{"t": "beat", "n": 3, "at": 7, "fenced": True}] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GET / HTTP/1.1\r\n", "not a JSON line: "),
        (b"[1, 2]\n", "a line without its kind (`t`)"),
        (b'{"n": 1}\n', "a line without its kind (`t`)"),
        (b"x" * 65, "a line longer than 64 bytes"),
    ],
)
def test_what_is_not_a_line_of_ours_ends_the_link(data: bytes, message: str) -> None:
    with pytest.raises(wire.LinkProtocolError) as raised:
        wire.LineReader(max_line=64).feed(data)
    assert str(raised.value).startswith(message)


def test_the_proof_needs_the_passcode_and_both_nonces_in_their_places() -> None:
    good = proof("a-passcode", "dialer", "n1", "n2")
    assert proven("a-passcode", "dialer", "n1", "n2", good)
    assert not proven("another-passcode", "dialer", "n1", "n2", good)
    assert not proven("a-passcode", "listener", "n1", "n2", good)  # a dialer's proof is no listener's
    assert not proven("a-passcode", "dialer", "n2", "n1", good)  # nor a replay with the nonces swapped
    assert not proven("a-passcode", "dialer", "n1", "n2", None)
    assert "a-passcode" not in good


def test_the_passcode_comes_from_the_file_then_the_environment_and_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSCODE_ENV, raising=False)
    with pytest.raises(LinkSetupError) as missing:
        read_passcode(None, None)
    assert str(missing.value) == (
        "a main and its backup share a passcode: give --passcode-file PATH (or set SHOWCALL_LINK_PASSCODE) on both"
    )
    monkeypatch.setenv(PASSCODE_ENV, "from-the-environment")
    assert read_passcode(None, None) == "from-the-environment"
    file = tmp_path / "passcode"
    file.write_text("from-the-file\n")
    assert read_passcode(None, file) == "from-the-file"
    file.write_text("short")
    with pytest.raises(LinkSetupError, match=r"^the passcode must be at least 8 characters$"):
        read_passcode(None, file)
    with pytest.raises(LinkSetupError, match=r"^cannot read the passcode file .*nope: No such file or directory$"):
        read_passcode(None, tmp_path / "nope")


def test_the_address_list() -> None:
    networks = parse_allow("10.0.0.0/24, 192.168.1.7,::1")
    assert allowed("10.0.0.9", networks) and allowed("192.168.1.7", networks) and allowed("::1", networks)
    assert not allowed("10.0.1.9", networks) and not allowed("192.168.1.8", networks)
    assert allowed("::ffff:10.0.0.9", networks)  # an IPv4 peer on a dual-stack socket
    assert allowed("127.0.0.1", LOOPBACK) and not allowed("10.0.0.9", LOOPBACK)
    assert not allowed("not-an-address", networks)
    with pytest.raises(LinkSetupError, match=r"^--allow: not an address or network: '10.0.0.0/33'$"):
        parse_allow("10.0.0.0/33")


def test_the_clock_offset_is_ntps_arithmetic_on_the_quickest_ping() -> None:
    clock = ClockOffset()
    assert not clock.known and clock.offset_ns == 0 and clock.error_bound_ns is None
    # The peer's clock is 1,000 ahead. A ping with 10 out and 30 back (round trip 40): off by (10 - 30) / 2.
    sample = clock.add(t1=0, t2=1_010, t3=1_010, t4=40)
    assert (sample.offset_ns, sample.rtt_ns) == (990, 40)
    assert clock.error_bound_ns == 20
    clock.add(t1=100, t2=1_105, t3=1_106, t4=111)  # 5 each way, 1 inside the peer: exact, and kept
    assert (clock.offset_ns, clock.error_bound_ns) == (1_000, 5)
    clock.add(t1=200, t2=1_300, t3=1_300, t4=400)  # slow: not kept
    assert clock.offset_ns == 1_000
    assert clock.to_local(5_000) == 4_000 and clock.to_peer(4_000) == 5_000


def test_the_send_mirror_signs_what_it_tells_and_nothing_else_is_believed() -> None:
    from showcall.timing.mirror import decode_sends, encode_sends

    key, other = b"k" * 32, b"o" * 32
    sends = [("12", "lx", 1_000, 1_007), ("12.5", "snd", 2_000, 2_001)]
    datagram = encode_sends(key, sends)
    assert decode_sends(key, datagram) == sends
    assert decode_sends(other, datagram) is None  # another key: not ours
    assert decode_sends(key, datagram.replace(b"1007", b"1008")) is None  # tampered with
    assert decode_sends(key, b"SCM1") is None and decode_sends(key, b"hello") is None
