"""Provides the table of simulators by driver, and `make_simulator`: the simulator for one device of a plan.

A driver with no simulator of its own (a show's local profile) gets the generic one of its transport:
OSC records what arrived, MIDI also keeps notes, programs and controllers.
"""

from __future__ import annotations

import time

from showcall.compile.plan import DevicePlan, Plan
from showcall.model.profile import Profile
from showcall.protocols.oscframe import DEFAULT_MAX_FRAME
from showcall.sim.base import Clock, Listen, Simulator
from showcall.sim.disguise import DisguiseSimulator
from showcall.sim.eos import EosSimulator
from showcall.sim.midi import MidiSimulator
from showcall.sim.midistream import DEFAULT_MAX_SYSEX
from showcall.sim.millumin import MilluminSimulator
from showcall.sim.osc import GenericOscSimulator
from showcall.sim.qlab import QlabSimulator
from showcall.sim.records import DEFAULT_HISTORY
from showcall.sim.resolume import ResolumeSimulator
from showcall.sim.x32 import X32Simulator
from showcall.transports.base import Endpoint

__all__ = ["SIMULATORS", "listen_like", "make_simulator", "simulator_class"]

SIMULATORS: dict[str, type[Simulator]] = {
    "eos": EosSimulator,
    "qlab": QlabSimulator,
    "x32": X32Simulator,
    "resolume": ResolumeSimulator,
    "millumin": MilluminSimulator,
    "disguise": DisguiseSimulator,
    "osc": GenericOscSimulator,
    "midi": MidiSimulator,
    "msc": MidiSimulator,
}


def simulator_class(profile: Profile) -> type[Simulator]:
    """The simulator for a profile: its driver's own, else the generic one of its transport."""
    found = SIMULATORS.get(profile.driver)
    if found is not None:
        return found
    return MidiSimulator if profile.transport == "midi" else GenericOscSimulator


def listen_like(endpoint: Endpoint, profile: Profile, host: str = "127.0.0.1", port: int = 0) -> Listen:
    """A Listen with the endpoint's transport and framing: TCP stays TCP, a MIDI port becomes a socket port.

    A named MIDI port gets a socket port too: a rehearsal replaces every device, and needs no MIDI system.
    """
    if endpoint.kind == "midi":
        return Listen("midi", host, port, max_packet=DEFAULT_MAX_SYSEX)
    limit = profile.osc.max_packet if profile.osc is not None and profile.osc.max_packet else DEFAULT_MAX_FRAME
    return Listen(endpoint.kind, host, port, framing=endpoint.framing, max_packet=limit)


def make_simulator(
    plan: Plan,
    device: DevicePlan,
    *,
    host: str = "127.0.0.1",
    clock: Clock = time.monotonic_ns,
    history: int = DEFAULT_HISTORY,
) -> Simulator:
    """The simulator for one device of `plan` (not started), on an ephemeral port of `host`."""
    cls = simulator_class(device.profile)
    listen = listen_like(device.endpoint, device.profile, host)
    return cls(device.name, listen, clock=clock, history=history, **cls.plan_options(plan, device.name))
