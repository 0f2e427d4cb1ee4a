"""Provides a scheduler on virtual time that sends for real: every item goes through a real Output
(UDP, TCP with its framing, MIDI socket port) to a real socket at its virtual deadline.

Whole example shows (minutes of follows, `at` and timecode cues) can then be run end to end through
the wire path and the simulators in a second, with exact event order; the timing core's real-time
behaviour is tested on its own.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence

from showcall.timing.fake import FakeClock, FakeScheduler
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, Output
from showcall.transports.factory import make_output


class WireScheduler(FakeScheduler):
    """A FakeScheduler whose sends also go out through real outputs (see module docstring)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock, transmit=self._transmit)
        self.outputs: dict[str, Output] = {}

    def set_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Open an output per endpoint and wait (really, briefly) until each is online."""
        super().set_endpoints(endpoints)
        for endpoint in endpoints:
            output = make_output(endpoint)
            output.open(time.monotonic_ns())
            self.outputs[endpoint.device] = output
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            waiting = [o for o in self.outputs.values() if o.status().state is not LinkState.ONLINE]
            if not waiting:
                return
            for output in waiting:
                fd = output.fileno()
                if fd is not None:
                    ready = select.select([fd], [fd] if output.wants_write() else [], [], 0.01)
                    output.on_ready(time.monotonic_ns(), bool(ready[0]), bool(ready[1]))
                output.service(time.monotonic_ns())

    def _transmit(self, device: str, payload: bytes) -> str | None:
        output = self.outputs.get(device)
        if output is None:
            return None
        try:
            output.send(output.frame(payload))
        except DeviceDownError as exc:
            return str(exc)
        return None

    def flush(self) -> None:
        """Write out anything a stream output buffered."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(o.wants_write() for o in self.outputs.values()):
            for output in self.outputs.values():
                fd = output.fileno()
                if fd is not None and output.wants_write():
                    _, writable, _ = select.select([], [fd], [], 0.01)
                    output.on_ready(time.monotonic_ns(), False, bool(writable))

    def close(self) -> None:
        """Close every output."""
        for output in self.outputs.values():
            output.close()
