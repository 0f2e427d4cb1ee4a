"""Provides `ShowFeed`: the engine's events and the timing core's reports, gathered for the screen.

Listeners run on the engine's call path (inside `go()`, inside a report from the core), so they
only record what changed and signal once; the screen takes the changes at its own pace and
redraws what they touch. However many events arrive between two redraws, the screen is
signalled once (coalescing), so a burst of follow cues costs one redraw, not one per event.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from showcall.backup.status import LinkEvent
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.engine.snapshot import ShowSnapshot
from showcall.timing import protocol as p
from showcall.timing.api import Scheduler
from showcall.tui.data.packets import describe_packet
from showcall.tui.data.simulators import Received, SimulatorFeed, describe_record
from showcall.tui.data.text import lateness, time_of_day

GO_FLASH_NS = 1_200_000_000
"""How long the standby box stays green after a GO: long enough to see from the corner of an eye."""
NOTICE_NS = 8_000_000_000
"""How long a refusal stays on screen unless another command replaces it: a caller may look away."""
LATE_WARNING_US = 1000.0
"""A send later than this is called out on the timing line (the promise is p99.9 ≤ 2 ms, p99 ≤ 250 µs)."""

ALARMS = frozenset({"lost", "holding", "took_over", "doubt", "refused", "standing_down", "resync"})
"""Link events the event log shows in the error colour: who is live changed, or may."""


class Indicator(enum.Enum):
    """What the standby box says about GO, most urgent first when several apply."""

    REFUSED = "refused"
    GO = "go"
    PANIC = "panic"
    HELD = "held"
    END = "end"
    STANDBY = "standby"


@dataclass(frozen=True)
class Notice:
    """The outcome of the last command the caller should see: a GO taken or a command refused."""

    kind: str  # "go" | "refused"
    command: str
    text: str
    at_ns: int
    cue: str | None = None
    dept: str = ""
    source: str = ""


@dataclass
class DeviceHealth:
    """One device as the caller sees it: reachable or not (and why), what went out, what came back."""

    name: str
    where: str
    status: str
    detail: str = ""
    simulated: bool = False
    last_sent: str = ""
    last_sent_ns: int | None = None
    last_feedback: str = ""
    last_feedback_ns: int | None = None
    failed: int = 0
    decoded_feedback: bool = False

    @property
    def down(self) -> bool:
        """True when sends to it will fail."""
        return self.status == "offline"


@dataclass(frozen=True)
class LogLine:
    """One event-log line: when (the show's time of day: a rehearsal clock's, when one is in use), what kind
    (for its colour), and the words."""

    tod_ns: int
    kind: str
    text: str


@dataclass
class Changes:
    """What changed since the screen last looked."""

    rows: set[int] = field(default_factory=set)
    structure: bool = False  # playhead, arming, hold, reset: every visible row may have changed
    playhead: bool = False
    devices: bool = False
    log: list[LogLine] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # errors the caller must see now (a notice, not only a line)


class ShowFeed:
    """Gathers changes for the screen (see module docstring); `on_change` is called once per batch."""

    def __init__(
        self,
        engine: Engine,
        scheduler: Scheduler,
        on_change: Callable[[], None],
        *,
        simulators: SimulatorFeed | None = None,
        log_size: int = 2000,
    ) -> None:
        self.engine = engine
        self.on_change = on_change
        self.notice: Notice | None = None
        self.last_cue: str | None = None
        self.last_cue_name = ""  # "LX 12", for the timing panel
        self.last_cue_late_us: float | None = None
        self.late_sends = 0
        self.last_late = ""
        self.errors = 0
        self.stopped = False  # the run was stopped (not completed) and has ended: the console leaves
        self.timing_priority = ""
        self.timing_realtime: bool | None = None
        self.log: deque[LogLine] = deque(maxlen=log_size)
        self.received: deque[Received] = deque(maxlen=log_size)
        self.devices: dict[str, DeviceHealth] = {}
        show = engine.snapshot()
        for name, device in engine.plan.devices.items():
            known = show.device(name)
            state, detail = (known.status, known.detail) if known is not None else ("connecting", "")
            self.devices[name] = DeviceHealth(
                name, device.endpoint.describe(), state, detail, simulated=device.endpoint.simulated
            )
        self._changes = Changes()
        self._signalled = False
        self._tod_anchor = (show.at_ns, show.clocks.time_of_day_ns)  # moved on by each event stamped with it
        self._speed = show.clocks.speed
        self._unsubscribe = [engine.subscribe(self._on_event), scheduler.subscribe(self._on_report)]
        if simulators is not None:
            stop = simulators.subscribe(self._on_received)
            if callable(stop):
                self._unsubscribe.append(stop)

    def close(self) -> None:
        """Stop listening."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # ---- what the screen reads ----------------------------------------------------------------

    def take(self) -> Changes:
        """The changes since the last call; the next event signals again."""
        changes, self._changes = self._changes, Changes()
        self._signalled = False
        return changes

    def indicator(self, show: ShowSnapshot) -> Indicator:
        """What the standby box shows for `show` (a recent refusal, a GO flash, then the show's state)."""
        notice, now_ns = self.notice, show.at_ns
        if notice is not None and notice.kind == "refused" and now_ns - notice.at_ns < NOTICE_NS:
            return Indicator.REFUSED
        if notice is not None and notice.kind == "go" and now_ns - notice.at_ns < GO_FLASH_NS:
            return Indicator.GO
        if show.held:
            return Indicator.PANIC if show.panicked else Indicator.HELD
        if show.ended:
            return Indicator.END
        return Indicator.STANDBY

    def tod(self, mono_ns: int) -> int:
        """The show's time of day at monotonic `mono_ns`."""
        anchor_mono, anchor_tod = self._tod_anchor
        return anchor_tod + (mono_ns - anchor_mono) * self._speed

    # ---- commands the console carried out -------------------------------------------------------

    def go_taken(self, cue: str, dept: str) -> None:
        """The caller's GO was accepted (shown at once, before the cue's first send is even due)."""
        self.notice = Notice("go", "go", f"GO {dept} {cue}", self.engine.clock.now_ns(), cue, dept, "operator")
        self._changed()

    def clear_refusal(self) -> None:
        """A later command went through: the last refusal is no longer shown."""
        if self.notice is not None and self.notice.kind == "refused":
            self.notice = None
            self._changed()

    def note(self, kind: str, text: str) -> None:
        """Add a line of the console's own to the event log (a failed command, a quit request)."""
        self._log(self.engine.clock.now_ns(), kind, text)
        self._changed()

    # ---- listeners ----------------------------------------------------------------------------

    def _changed(self) -> None:
        if not self._signalled:
            self._signalled = True
            self.on_change()

    def _row(self, cue: str) -> None:
        index = self.engine.plan.index_of(cue)
        if index is not None:
            self._changes.rows.add(index)

    def _log(self, mono_ns: int, kind: str, text: str) -> None:
        line = LogLine(self.tod(mono_ns), kind, text)
        self.log.append(line)
        pending = self._changes.log
        pending.append(line)
        if len(pending) > 2 * (self.log.maxlen or 0):  # nobody took them for a while: keep what fits
            del pending[: len(pending) - (self.log.maxlen or 0)]

    def _on_event(self, event: ev.Event) -> None:
        changes = self._changes
        at = event.mono_ns
        if event.show_tod_ns is not None:  # a rehearsal clock: it may have been set just now
            self._tod_anchor = (at, event.show_tod_ns)
        if isinstance(event, ev.SentEvent):
            self._sent(event)
        elif isinstance(event, ev.Go):
            changes.structure = True
            self._row(event.cue)
            self.last_cue, self.last_cue_late_us = event.cue, None
            self.last_cue_name = f"{event.dept} {event.cue}".strip()
            if event.source == "operator":
                self.notice = Notice("go", "go", f"GO {event.dept} {event.cue}", at, event.cue, event.dept, "operator")
            self._log(at, "go", f"GO {event.dept} {event.cue} ({event.source})")
        elif isinstance(event, ev.Standby):
            changes.structure = changes.playhead = True
            self._log(at, "standby", f"standby {event.cue}" if event.cue is not None else "standby: end of show")
        elif isinstance(event, ev.Complete):
            self._row(event.cue)
            if event.failed:
                self._log(at, "error", f"{event.cue} complete, {event.failed} messages failed")
        elif isinstance(event, ev.CueFailed):
            self._row(event.cue)
            self._log(at, "error", f"{event.cue} FAILED: {event.reason}")
        elif isinstance(event, ev.SendFailedEvent):
            self._row(event.cue)
            health = self.devices.get(event.device)
            if health is not None:
                health.failed += 1
                changes.devices = True
            self._log(at, "error", f"send FAILED {event.cue} → {event.device}: {event.reason}")
        elif isinstance(event, ev.Refused):
            self.notice = Notice("refused", event.command, event.reason, at)
            self._log(at, "refused", f"{event.command} refused: {event.reason.removeprefix('GO refused: ')}")
        elif isinstance(event, ev.ControlReport) and event.unlogged:  # a flood at the control port, summed up
            kinds = ", ".join(f"{kind} {count:,}" for kind, count in event.unlogged.items())
            self._log(at, "refused", f"control: {sum(event.unlogged.values()):,} more packets dropped ({kinds})")
        elif isinstance(
            event, ev.Hold | ev.Resume | ev.PanicEvent | ev.Reset | ev.End | ev.Loaded | ev.RehearseFrom | ev.Quit
        ):
            self._show_state(event)
        elif isinstance(event, ev.Ack):
            self._log(at, "ack", f"{event.dept} standing by for {event.cue}")
        elif isinstance(event, ev.DeviceEvent):
            self._device(event)
        elif isinstance(event, ev.TimingInfo):
            self.timing_priority, self.timing_realtime = event.priority, event.realtime
            self._log(at, "info", f"timing core: {event.priority}, real-time {'yes' if event.realtime else 'no'}")
        elif isinstance(event, ev.ErrorEvent):
            self.errors += 1
            self._log(at, "error", event.message)
            changes.alerts.append(event.message)
        elif isinstance(event, ev.FeedbackEvent):
            self._feedback(event.device, f"{event.report} {event.detail}".strip(), at, decoded=True)
        elif isinstance(event, LinkEvent):
            changes.structure = True
            self._log(at, "error" if event.what in ALARMS else "info", f"link {event.what}: {event.detail}")
        self._changed()

    def _show_state(self, event: ev.Event) -> None:
        at = event.mono_ns
        self._changes.structure = True
        if isinstance(event, ev.Hold):
            self._log(at, "hold", "HOLD" + (f": {event.reason}" if event.reason else ""))
        elif isinstance(event, ev.Resume):
            self._log(at, "hold", f"resume after {event.held_ns / 1e9:.1f} s held")
        elif isinstance(event, ev.PanicEvent):
            self.notice = None
            stopped = ", ".join(event.cancelled_cues[:8]) + (" …" if len(event.cancelled_cues) > 8 else "")
            self._log(at, "panic", "PANIC: all stop sent" + (f"; cancelled {stopped}" if stopped else ""))
        elif isinstance(event, ev.Reset):
            self.notice = None
            self._log(at, "info", "reset to the top of the show")
        elif isinstance(event, ev.End):
            self._log(at, "info", f"end of show ({event.reason})")
            self.stopped = self.stopped or event.reason != "complete"
        elif isinstance(event, ev.Quit):
            waiting = f": waiting for the timing core to confirm {event.waiting} sends" if event.waiting else ""
            self._log(at, "info", f"quitting ({event.reason}){waiting}")
        elif isinstance(event, ev.Loaded):
            self._log(at, "info", f"loaded {event.show}: {event.cues} cues" + (", resumed" if event.resumed else ""))
            if event.clock == "rehearsal" and event.show_tod_ns is not None:
                speed = f", ×{event.speed}" if event.speed != 1 else ""
                note = f": {event.clock_note}" if event.clock_note else ""
                self._log(at, "info", f"REHEARSAL CLOCK {time_of_day(event.show_tod_ns)}{speed}{note}")
        elif isinstance(event, ev.RehearseFrom):
            self.notice = None
            where = f"segment {event.segment} (cue {event.cue})" if event.segment else f"cue {event.cue}"
            clock = f"; rehearsal clock {time_of_day(event.clock_tod_ns)}" if event.show_tod_ns is not None else ""
            self._log(at, "info", f"taken from {where}: the cues before it passed{clock}")

    def _sent(self, event: ev.SentEvent) -> None:
        self._row(event.cue)
        if event.cue == self.last_cue:
            late = self.last_cue_late_us
            self.last_cue_late_us = event.late_us if late is None else max(late, event.late_us)
        if event.late_us > LATE_WARNING_US:
            self.late_sends += 1
            self.last_late = f"{event.cue} → {event.device} {lateness(event.late_us)}"
        summary = event.device
        index = self.engine.plan.index_of(event.cue)
        if index is not None:
            messages = self.engine.plan.cues[index].messages
            if 0 <= event.item < len(messages):
                summary = messages[event.item].summary
        health = self.devices.get(event.device)
        if health is not None:
            health.last_sent, health.last_sent_ns = summary, event.sent_ns
            self._changes.devices = True
        self._log(event.mono_ns, "sent", f"sent {event.cue} → {event.device} {summary} {lateness(event.late_us)}")

    def _device(self, event: ev.DeviceEvent) -> None:
        health = self.devices.get(event.device)
        if health is None:
            return
        health.status, health.detail = event.status, event.detail
        self._changes.devices = True
        self._changes.structure = True  # the standby box warns when the standby cue's device is down
        kind = "error" if event.status == "offline" else "device"
        self._log(
            event.mono_ns, kind, f"device {event.device} {event.status}" + (f": {event.detail}" if event.detail else "")
        )

    def _feedback(self, device: str, text: str, at_ns: int, *, decoded: bool = False) -> None:
        health = self.devices.get(device)
        if health is None or (health.decoded_feedback and not decoded):
            return  # once the profile decodes this device's feedback, its words beat the raw packet
        health.decoded_feedback |= decoded
        health.last_feedback, health.last_feedback_ns = text, at_ns
        self._changes.devices = True

    def _on_report(self, report: p.Report) -> None:
        if isinstance(report, p.Feedback):
            self._feedback(report.device, describe_packet(report.packet), report.at_ns)
            self._changed()

    def _on_received(self, record: object) -> None:
        received = describe_record(record)
        self.received.append(received)
        self._changes.received.append(received)
        self._changed()
