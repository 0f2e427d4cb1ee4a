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
from dataclasses import dataclass, field

from showcall.timing import protocol as p
from showcall.timing.api import SendItem
from showcall.transports.base import DeviceDownError, Endpoint, LinkState, Output
from showcall.transports.factory import make_output

from support.virtual import VirtualScheduler


@dataclass
class WireScheduler(VirtualScheduler):
    """A VirtualScheduler whose sends also go out through real outputs (see module docstring)."""

    outputs: dict[str, Output] = field(default_factory=dict)

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
        raise AssertionError(f"outputs did not come online: {[o.endpoint.device for o in waiting]}")

    def _send(self, item: SendItem) -> None:
        output = self.outputs.get(item.device)
        if output is not None:
            try:
                output.send(output.frame(item.payload))
            except DeviceDownError as exc:
                self._pending.pop(item.item_id, None)
                self._emit(
                    p.SendFailed(item.item_id, item.cue, item.device, item.deadline_ns, self.clock.now_ns(), str(exc))
                )
                return
        super()._send(item)

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
