"""Provides the timing core: cues sent at their deadlines from a process of their own, measured and reported.

The engine uses the `Scheduler` interface; `TimingCoreClient` is the real one, `FakeScheduler` (with `FakeClock`)
its test double in virtual time. docs/timing.md explains the design and the measured figures.
"""

from __future__ import annotations

from showcall.timing.api import Scheduler, SendItem, TimingStatistics
from showcall.timing.client import TimingCoreClient
from showcall.timing.fake import FakeClock, FakeScheduler, WireRecord
from showcall.timing.modes import ECO, MODES, PRECISE, SLEEP, Mode, mode_named
from showcall.timing.protocol import (
    Cancelled,
    CoreInfo,
    CoreLost,
    CoreRestarted,
    DeviceStatus,
    Feedback,
    Listener,
    PanicDone,
    Report,
    SendFailed,
    Sent,
)
from showcall.timing.queue import DuplicateItemError

__all__ = [
    "ECO",
    "MODES",
    "PRECISE",
    "SLEEP",
    "Cancelled",
    "CoreInfo",
    "CoreLost",
    "CoreRestarted",
    "DeviceStatus",
    "DuplicateItemError",
    "FakeClock",
    "FakeScheduler",
    "Feedback",
    "Listener",
    "Mode",
    "PanicDone",
    "Report",
    "Scheduler",
    "SendFailed",
    "SendItem",
    "Sent",
    "TimingCoreClient",
    "TimingStatistics",
    "WireRecord",
    "mode_named",
]
