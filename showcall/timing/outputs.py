"""Provides `Outputs`: the core's device outputs — opened per endpoint, watched, serviced, their status reported.

One `Output` per device (made by `showcall.transports.factory.make_output`). Every change of a device's
status becomes one `DeviceStatus` report; feedback becomes `Feedback` reports. Registrations in the core's
selector follow each output's descriptor, which changes when a TCP output reconnects.
"""

from __future__ import annotations

import contextlib
import selectors
from collections.abc import Callable

from showcall.timing import protocol as p
from showcall.timing.queue import SendQueue
from showcall.transports.base import BatchOutput, DeviceDownError, Endpoint, LinkStatus, Output

__all__ = ["Outputs"]


class Outputs:
    """The outputs by device (`by_device`, read directly by the send loop), and their bookkeeping.

    `batching` holds the outputs that can send many wires in one call (`BatchOutput`), looked up once when
    an output is made: an `isinstance` check against a protocol costs microseconds, too much per cue.
    """

    def __init__(
        self,
        selector: selectors.BaseSelector,
        factory: Callable[[Endpoint], Output],
        report: Callable[[p.Report], None],
    ) -> None:
        self.by_device: dict[str, Output] = {}
        self.batching: dict[str, BatchOutput] = {}
        self._selector = selector
        self._factory = factory
        self._report = report
        self._registered: dict[str, tuple[int, int]] = {}
        self._status: dict[str, LinkStatus] = {}

    def set_endpoints(self, endpoints: tuple[Endpoint, ...], now: int, queue: SendQueue) -> None:
        """Open what is new or changed, close what is gone; reframe pending items of a replaced output."""
        wanted = {e.device: e for e in endpoints}
        for device in list(self.by_device):
            if device not in wanted or self.by_device[device].endpoint != wanted[device]:
                self._unregister(device)
                self.by_device.pop(device).close()
                self.batching.pop(device, None)
                self._status.pop(device, None)
        for device, endpoint in wanted.items():
            if device in self.by_device:
                continue
            out = self._factory(endpoint)
            self.by_device[device] = out
            if isinstance(out, BatchOutput):
                self.batching[device] = out
            out.open(now)
            for entry in queue.entries_for_device(device):
                entry.wire = out.frame(entry.item.payload)
            self.note_status(device)
        self._sync()

    def ready(self, device: str, mask: int, now: int) -> None:
        """A device's descriptor is ready: read feedback, advance a connect."""
        out = self.by_device.get(device)
        if out is None:
            return
        packets = out.on_ready(now, bool(mask & selectors.EVENT_READ), bool(mask & selectors.EVENT_WRITE))
        for packet in packets:
            self._report(p.Feedback(device, packet, now))
        self.note_status(device)
        self._sync()

    def next_service_ns(self) -> int | None:
        """When the earliest output next needs `service`."""
        times = [t for t in (out.next_service_ns() for out in self.by_device.values()) if t is not None]
        return min(times, default=None)

    def service(self, now: int) -> None:
        """Run every output's due `service` (reconnects, keep-alives)."""
        for device, out in self.by_device.items():
            at = out.next_service_ns()
            if at is not None and at <= now:
                out.service(now)
                self.note_status(device)
        self._sync()

    def send_stop_packets(self) -> tuple[int, int]:
        """Send every device's panic packets now; returns (sent, failed)."""
        sent = failed = 0
        for out in self.by_device.values():
            for packet in out.endpoint.panic:
                try:
                    out.send(out.frame(packet))
                    sent += 1
                except DeviceDownError:
                    failed += 1
        return sent, failed

    def note_status(self, device: str) -> None:
        """Report `device`'s status if it changed since last reported."""
        out = self.by_device.get(device)
        if out is None:
            return
        status = out.status()
        if self._status.get(device) != status:
            self._status[device] = status
            self._report(p.DeviceStatus(device, status.state.value, status.detail))

    def close(self) -> None:
        """Close every output."""
        for device in list(self.by_device):
            self._unregister(device)
            self.by_device.pop(device).close()
        self.batching.clear()

    def _sync(self) -> None:
        for device, out in self.by_device.items():
            fd = out.fileno()
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if out.wants_write() else 0)
            want = (fd, events) if fd is not None else None
            if self._registered.get(device) == want:
                continue
            self._unregister(device)
            if want is not None:
                self._selector.register(want[0], want[1], device)
                self._registered[device] = want

    def _unregister(self, device: str) -> None:
        old = self._registered.pop(device, None)
        if old is not None:
            # The output may have closed its socket already; epoll forgot it with the descriptor.
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(old[0])
