"""make_output picks the output class from the endpoint's kind (and, for MIDI, from its port)."""

from __future__ import annotations

import pytest

from showcall.transports.base import Endpoint
from showcall.transports.factory import make_output
from showcall.transports.midi import MidiPortOutput, MidiSocketOutput
from showcall.transports.tcp import TcpOutput
from showcall.transports.udp import UdpOutput


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        (Endpoint("mix", "osc-udp", host="127.0.0.1", port=10023), UdpOutput),
        (Endpoint("lx", "osc-tcp", host="127.0.0.1", port=3032, framing="length"), TcpOutput),
        (Endpoint("vid", "osc-tcp", host="127.0.0.1", port=53000, framing="slip"), TcpOutput),
        (Endpoint("keys", "midi", midi_port="127.0.0.1:9080"), MidiSocketOutput),
        (Endpoint("keys", "midi", midi_port="USB MIDI 1"), MidiPortOutput),
    ],
)
def test_each_kind_gets_its_output(endpoint: Endpoint, kind: type) -> None:
    output = make_output(endpoint)
    assert type(output) is kind
    assert output.endpoint is endpoint


def test_tcp_output_frames_as_the_endpoint_says() -> None:
    slip = make_output(Endpoint("vid", "osc-tcp", host="127.0.0.1", port=53000, framing="slip"))
    length = make_output(Endpoint("lx", "osc-tcp", host="127.0.0.1", port=3032, framing="length"))
    assert slip.frame(b"/go\x00,\x00\x00\x00") == b"\xc0/go\x00,\x00\x00\x00\xc0"
    assert length.frame(b"/go\x00,\x00\x00\x00") == b"\x00\x00\x00\x08/go\x00,\x00\x00\x00"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^unknown output kind 'dmx'$"):
        make_output(Endpoint("dimmers", "dmx"))  # type: ignore[arg-type]
