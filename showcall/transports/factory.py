"""Provides `make_output`: the Output for an Endpoint, chosen by its kind."""

from __future__ import annotations

from showcall.transports.base import Endpoint, Output
from showcall.transports.midi import make_midi_output
from showcall.transports.tcp import TcpOutput
from showcall.transports.udp import UdpOutput


def make_output(endpoint: Endpoint) -> Output:
    """The Output that reaches `endpoint` (not yet opened: the caller calls `open`).

    `osc-udp` is a UdpOutput, `osc-tcp` a TcpOutput framed as the endpoint says, `midi` a MidiSocketOutput
    for a `host:port` midi_port or a MidiPortOutput for a port name.
    """
    if endpoint.kind == "osc-udp":
        return UdpOutput(endpoint)
    if endpoint.kind == "osc-tcp":
        return TcpOutput(endpoint)
    if endpoint.kind == "midi":
        return make_midi_output(endpoint)
    raise ValueError(f"unknown output kind {endpoint.kind!r}")
