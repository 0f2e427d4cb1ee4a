"""Provides `make_output`: the Output for an Endpoint, chosen by its kind."""

from __future__ import annotations

from showcall.transports.base import Endpoint, Output
from showcall.transports.udp import UdpOutput


def make_output(endpoint: Endpoint) -> Output:
    """The Output that reaches `endpoint` (not yet opened: the caller calls `open`)."""
    if endpoint.kind == "osc-udp":
        return UdpOutput(endpoint)
    raise NotImplementedError(f"{endpoint.kind} outputs are not written yet")
