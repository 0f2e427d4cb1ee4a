"""Many wires in one call, on real loopback sockets: `sendmmsg` datagrams, short counts, failures, joined streams.

The datagrams are read back by a real receiver and parsed with python-osc; `sendmmsg` is the C library's,
wrapped where a test needs the kernel to stop early (on loopback it never does by itself: a datagram's
buffer is freed as it is delivered, so even the smallest SO_SNDBUF lets all 512 through in one call).
"""

from __future__ import annotations

import ctypes
import errno
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import mido
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg

from showcall.protocols.oscframe import make_decoder
from showcall.transports import batch, tcp
from showcall.transports.base import BatchOutput, DeviceDownError, Endpoint, LinkState, LinkStatus
from showcall.transports.batch import LIBC_SENDMMSG, DatagramBatcher, JoinedWires, SendMmsg
from showcall.transports.midi import MidiRecorder, MidiSocketOutput
from showcall.transports.tcp import TcpOutput
from showcall.transports.udp import UdpOutput

if TYPE_CHECKING:
    from conftest import Core, StreamServer

needs_sendmmsg = pytest.mark.skipif(LIBC_SENDMMSG is None, reason="no sendmmsg in this C library (not Linux)")


def cue(n: int = 512) -> list[bytes]:
    """`n` distinct OSC messages of different sizes and argument types, as a big cue sends."""
    return [
        bytes(build_msg(f"/cue/{i}/{'x' * (i % 13)}", [i, i / 4, "level" * (i % 5), b"\x00\xc0" * (1 + i % 3)]).dgram)
        for i in range(n)
    ]


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # 512 datagrams wait here unread
    sock.settimeout(5.0)
    yield sock
    sock.close()


def received(sock: socket.socket, count: int) -> list[bytes]:
    """Exactly `count` datagrams, then nothing more."""
    got = [sock.recv(65536) for _ in range(count)]
    sock.settimeout(0.0)
    with pytest.raises(BlockingIOError):
        sock.recv(65536)
    sock.settimeout(5.0)
    return got


class Spy:
    """Wraps libc's sendmmsg: records (asked, returned) per call; `cap` makes the kernel stop early."""

    def __init__(self, cap: int = 0, fail_after: int = -1, code: int = errno.EAGAIN) -> None:
        assert LIBC_SENDMMSG is not None
        self.real: SendMmsg = LIBC_SENDMMSG
        self.cap, self.fail_after, self.code = cap, fail_after, code
        self.calls: list[tuple[int, int]] = []
        self.sent = 0

    def __call__(self, fd: int, msgvec: int, count: int, flags: int) -> int:
        if self.sent == self.fail_after:
            self.fail_after = -1  # one failure, then the kernel takes datagrams again
            ctypes.set_errno(self.code)
            self.calls.append((count, -1))
            return -1
        asked = count
        if self.cap:
            count = min(count, self.cap)
        if self.fail_after > self.sent:
            count = min(count, self.fail_after - self.sent)
        result = self.real(fd, msgvec, count, flags)
        self.calls.append((asked, result))
        self.sent += max(result, 0)
        return result


def udp(receiver: socket.socket, sendmmsg: SendMmsg | None = LIBC_SENDMMSG) -> UdpOutput:
    out = UdpOutput(Endpoint("vid", "osc-udp", host="127.0.0.1", port=receiver.getsockname()[1]), sendmmsg=sendmmsg)
    out.open(0)
    return out


def test_public_names_are_what_was_meant() -> None:
    assert set(batch.__all__) == {"LIBC_SENDMMSG", "DatagramBatcher", "JoinedWires", "PreparedDatagrams", "SendMmsg"}


def test_udp_tcp_and_midi_socket_outputs_can_batch() -> None:
    assert isinstance(UdpOutput(Endpoint("a", "osc-udp", host="127.0.0.1", port=9)), BatchOutput)
    assert isinstance(TcpOutput(Endpoint("b", "osc-tcp", host="127.0.0.1", port=9)), BatchOutput)
    assert isinstance(MidiSocketOutput(Endpoint("c", "midi", midi_port="127.0.0.1:9")), BatchOutput)


@needs_sendmmsg
def test_512_datagrams_leave_in_one_sendmmsg_call_in_order_byte_for_byte(receiver: socket.socket) -> None:
    spy = Spy()
    out = udp(receiver, spy)
    wires = cue()
    prepared = out.prepare_many(wires)
    assert list(prepared) == wires and len(prepared) == 512
    assert out.send_many(prepared) == 512
    assert spy.calls == [(512, 512)]
    got = received(receiver, 512)
    assert got == wires
    assert [OscMessage(g).params[0] for g in got] == list(range(512))
    assert OscMessage(got[301]).address == "/cue/301/" + "x" * (301 % 13)
    assert (out.stats.sent, out.stats.failed, out.status()) == (512, 0, LinkStatus(LinkState.ONLINE))
    out.close()


@needs_sendmmsg
def test_slices_of_a_prepared_cue_go_out_as_chunks(receiver: socket.socket) -> None:
    spy = Spy()
    out = udp(receiver, spy)
    wires = cue(100)
    prepared = out.prepare_many(wires)
    for start in range(0, 100, 32):
        chunk = prepared[start : start + 32]
        assert list(chunk) == wires[start : start + 32]
        out.send_many(chunk)
    assert spy.calls == [(32, 32), (32, 32), (32, 32), (4, 4)]
    assert received(receiver, 100) == wires
    out.close()


@needs_sendmmsg
def test_a_short_count_is_followed_at_once_by_the_rest_in_order(receiver: socket.socket) -> None:
    spy = Spy(cap=7)  # the kernel takes 7 datagrams a call
    out = udp(receiver, spy)
    wires = cue()
    assert out.send_many(out.prepare_many(wires)) == 512
    assert len(spy.calls) == 74 and spy.calls[0] == (512, 7) and spy.calls[-1] == (1, 1)
    assert [asked for asked, _ in spy.calls] == list(range(512, 0, -7))
    assert received(receiver, 512) == wires
    out.close()


@needs_sendmmsg
def test_a_refused_datagram_fails_the_rest_and_says_how_many_went(receiver: socket.socket) -> None:
    spy = Spy(cap=64, fail_after=100)  # 64, then 36, then EAGAIN: the send buffer is full
    out = udp(receiver, spy)
    wires = cue()
    with pytest.raises(DeviceDownError, match=r"^device vid: resource temporarily unavailable$") as caught:
        out.send_many(out.prepare_many(wires))
    assert caught.value.sent == 100
    assert spy.calls == [(512, 64), (448, 36), (412, -1)]
    assert received(receiver, 100) == wires[:100]  # the rest did not go: none lost without a word
    assert (out.stats.sent, out.stats.failed) == (100, 412)
    assert out.status() == LinkStatus(LinkState.OFFLINE, "resource temporarily unavailable")
    # Nothing is retried behind the caller's back; the next cue goes, and the device is online again.
    assert out.send_many(out.prepare_many(wires[100:110])) == 10
    assert received(receiver, 10) == wires[100:110]
    assert out.status() == LinkStatus(LinkState.ONLINE)
    out.close()


@needs_sendmmsg
def test_an_interrupted_call_is_made_again(receiver: socket.socket) -> None:
    spy = Spy(fail_after=0, code=errno.EINTR)
    out = udp(receiver, spy)
    wires = cue(40)
    assert out.send_many(out.prepare_many(wires)) == 40
    assert spy.calls == [(40, -1), (40, 40)]
    assert received(receiver, 40) == wires
    out.close()


def test_a_closed_port_refuses_the_batch_through_the_real_kernel(free_udp_port: int) -> None:
    out = UdpOutput(Endpoint("vid", "osc-udp", host="127.0.0.1", port=free_udp_port))
    out.open(0)
    out.send(cue(1)[0])  # nobody listens: the kernel answers "port unreachable" to this socket
    with pytest.raises(DeviceDownError, match=r"^device vid: connection refused$") as caught:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:  # the ICMP answer arrives within microseconds on loopback
            out.send_many(out.prepare_many(cue(8)))
    assert 0 <= caught.value.sent < 8
    assert out.status() == LinkStatus(LinkState.OFFLINE, "connection refused")
    out.close()


def test_without_sendmmsg_the_same_cue_goes_one_send_each(receiver: socket.socket) -> None:
    out = udp(receiver, sendmmsg=None)
    wires = cue()
    assert out.send_many(out.prepare_many(wires)[:300]) == 300
    assert out.send_many(wires[300:]) == 212  # not prepared: fine too
    assert received(receiver, 512) == wires
    out.close()


def test_a_batch_prepared_before_another_is_prepared_again_when_sent(receiver: socket.socket) -> None:
    out = udp(receiver)
    first, second = cue(20), cue(40)[20:]
    stale = out.prepare_many(first)
    out.prepare_many(second)  # overwrites the batcher's iovecs
    out.send_many(stale[5:])
    assert received(receiver, 15) == first[5:]
    out.close()


def test_a_device_that_is_not_open_refuses_the_whole_batch() -> None:
    out = UdpOutput(Endpoint("vid", "osc-udp", host="showcall-test.invalid", port=9))
    out.open(0)
    with pytest.raises(DeviceDownError, match=r"^device vid: cannot resolve host") as caught:
        out.send_many(cue(4))
    assert caught.value.sent == 0


def test_prepared_batches_index_and_slice_like_lists() -> None:
    wires = cue(10)
    for prepared in (DatagramBatcher().prepare(wires), JoinedWires(wires)):
        assert prepared[0] == wires[0] and prepared[-1] == wires[-1]
        assert list(prepared[2:8][1:3]) == wires[3:5]
        assert len(prepared[8:2]) == 0 and list(prepared[-3:]) == wires[-3:]
        with pytest.raises(IndexError):
            prepared[10]
        with pytest.raises(ValueError, match="step 1"):
            prepared[::2]


def test_joined_wires_know_which_are_whole_within_a_partial_write() -> None:
    joined = JoinedWires([b"abc", b"", b"de", b"fghi"])[1:]
    assert bytes(joined.data()) == b"defghi"
    assert [joined.complete_within(n) for n in range(7)] == [1, 1, 2, 2, 2, 2, 3]


@pytest.mark.parametrize("framing", ["slip", "length"])
def test_tcp_sends_a_cue_as_one_write_of_its_framed_messages(
    server: StreamServer, framing: str, core: type[Core]
) -> None:
    out = TcpOutput(Endpoint("lx", "osc-tcp", host="127.0.0.1", port=server.port, framing=framing))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    packets = cue()
    prepared = out.prepare_many([out.frame(p) for p in packets])
    assert out.send_many(prepared[:200]) == 200
    assert out.send_many(prepared[200:]) == 312
    expected = b"".join(prepared)
    loop.run_until(lambda: len(server.received()) >= len(expected), "every byte")
    assert server.received() == expected
    decoder = make_decoder(framing, 1 << 20)
    got = decoder.feed(server.received())
    assert got == packets
    assert [OscMessage(g).params[0] for g in got] == list(range(512))
    assert out.stats.sent == 512
    out.close()


def test_tcp_batch_queues_behind_bytes_already_waiting_and_keeps_the_order(
    server: StreamServer, core: type[Core]
) -> None:
    out = TcpOutput(Endpoint("lx", "osc-tcp", host="127.0.0.1", port=server.port, framing="length"))
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    server.paused.set()  # the device stops reading: the kernel's buffers fill, then the output keeps the rest
    chunk = [out.frame(bytes(build_msg("/fill", [i, b"\xab" * 4000]).dgram)) for i in range(10)]
    sent = bytearray()
    while not out.wants_write():  # a batch only partly taken by the kernel: its tail waits for on_ready
        out.send_many(out.prepare_many(chunk))
        sent += b"".join(chunk)
        assert len(sent) < tcp.MAX_PENDING * 8, "the socket never filled"
    more = [out.frame(p) for p in cue(50)]
    assert out.send_many(out.prepare_many(more)) == 50  # queued behind the waiting bytes
    server.paused.clear()
    expected = bytes(sent) + b"".join(more)
    loop.run_until(lambda: not out.wants_write(), "the waiting bytes to be flushed")
    loop.run_until(lambda: len(server.received()) >= len(expected), "every byte, in order")
    assert server.received() == expected
    assert (out.stats.sent, out.stats.failed) == (len(sent) // len(chunk[0]) + 50, 0)
    out.close()


def test_midi_socket_sends_a_batch_that_mido_parses_and_records_each(free_tcp_port: int, core: type[Core]) -> None:
    server = mido.sockets.PortServer("127.0.0.1", free_tcp_port)
    out = MidiSocketOutput(Endpoint("keys", "midi", midi_port=f"127.0.0.1:{free_tcp_port}"))
    out.recorder = MidiRecorder()
    loop = core(out)
    out.open(time.monotonic_ns())
    loop.run_until(lambda: out.status().state is LinkState.ONLINE, "connect")
    accepted: list[Any] = []
    loop.run_until(lambda: bool(accepted.append(server.accept(block=False)) or accepted[-1]), "mido to accept")
    conn = accepted[-1]
    messages = [mido.Message("note_on", channel=i % 16, note=i % 128, velocity=1 + i % 127) for i in range(200)]
    messages += [mido.Message("sysex", data=(0x7F, 0x01, 0x02, i % 128)) for i in range(20)]
    wires = [out.frame(bytes(m.bytes())) for m in messages]
    assert out.send_many(out.prepare_many(wires)) == 220
    got: list[Any] = []

    def all_arrived() -> bool:
        got.extend(conn.iter_pending())
        return len(got) >= len(wires)

    loop.run_until(all_arrived, "mido to parse every message")
    assert [bytes(m.bytes()) for m in got] == wires
    assert [wire for _, _, wire in out.recorder.events] == wires
    assert out.stats.sent == 220
    out.close()
    conn.close()
    server.close()
