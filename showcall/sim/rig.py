"""Provides `start_simulators(plan)`: one simulator per device of a show, and the endpoints that reach them.

This is what `showcall rehearse` and `run --sim` use: each device's endpoint is replaced by one on
127.0.0.1 pointing at its simulator (`simulated=True`), with the same transport and framing, so a rehearsal
sends the same bytes down the same kind of socket as the show. Every device gets its own simulator and
port, devices that share a MIDI port in the show included, so what each received is reported under its name.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from showcall.compile.plan import Plan
from showcall.errors import DeviceError
from showcall.sim.base import Clock, Simulator
from showcall.sim.records import DEFAULT_HISTORY, Subscriber
from showcall.sim.registry import make_simulator
from showcall.transports.base import Endpoint

__all__ = ["SimulatorRig", "start_simulators"]


class SimulatorRig:
    """The simulators of one show, started; `aclose()` stops them all."""

    def __init__(self, plan: Plan, simulators: dict[str, Simulator]) -> None:
        self.simulators = simulators
        self.endpoints: dict[str, Endpoint] = {
            name: sim.endpoint(plan.devices[name].endpoint) for name, sim in simulators.items()
        }

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every record of every simulator; returns a function that unsubscribes."""
        undo = [sim.subscribe(subscriber) for sim in self.simulators.values()]

        def unsubscribe() -> None:
            for step in undo:
                step()

        return unsubscribe

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Each simulator's snapshot (where it listens, state, counters), by device."""
        return {name: sim.snapshot() for name, sim in self.simulators.items()}

    async def aclose(self) -> None:
        """Stop every simulator."""
        for sim in self.simulators.values():
            await sim.aclose()


async def start_simulators(
    plan: Plan, *, host: str = "127.0.0.1", clock: Clock = time.monotonic_ns, history: int = DEFAULT_HISTORY
) -> SimulatorRig:
    """Start one simulator per device of `plan` on ephemeral ports of `host` (see module docstring).

    Raises DeviceError naming the device when a simulator cannot listen; the ones started are stopped.
    """
    started: dict[str, Simulator] = {}
    try:
        for name, device in plan.devices.items():
            sim = make_simulator(plan, device, host=host, clock=clock, history=history)
            try:
                await sim.start()
            except OSError as exc:
                raise DeviceError(
                    name, f"its simulator cannot listen on {sim.describe()}: {exc.strerror or exc}"
                ) from exc
            started[name] = sim
    except BaseException:
        for sim in started.values():
            await sim.aclose()
        raise
    return SimulatorRig(plan, started)
