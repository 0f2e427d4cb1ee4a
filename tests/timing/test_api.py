"""The public names of showcall.timing are the ones meant, and both schedulers satisfy the protocol."""

from __future__ import annotations

import pytest

import showcall.timing as timing
from showcall.timing import FakeClock, FakeScheduler, Scheduler, TimingCoreClient


def test_exported_names() -> None:
    assert set(timing.__all__) == {
        "ECO", "MODES", "PRECISE", "SLEEP", "Cancelled", "CoreInfo", "CoreLost", "CoreRestarted", "DeviceStatus",
        "DuplicateItemError", "FakeClock", "FakeScheduler", "Feedback", "Listener", "Mode", "PanicDone",
        "Report", "Scheduler", "SendFailed", "SendItem", "Sent", "TimingCoreClient", "TimingStatistics",
        "WireRecord", "mode_named",
    }  # fmt: skip
    for name in timing.__all__:
        assert getattr(timing, name) is not None


def test_both_implementations_are_schedulers() -> None:
    real: Scheduler = TimingCoreClient()  # not started: construction alone spawns nothing
    fake: Scheduler = FakeScheduler(FakeClock())
    assert isinstance(real, Scheduler)
    assert isinstance(fake, Scheduler)


def test_modes() -> None:
    assert [m.name for m in timing.MODES.values()] == ["precise", "eco", "sleep"]
    assert timing.PRECISE.guard_ns > timing.ECO.guard_ns > timing.SLEEP.guard_ns == 0
    assert timing.mode_named("eco") is timing.ECO
    with pytest.raises(ValueError, match=r"^timing mode must be one of precise, eco, sleep, not 'turbo'$"):
        timing.mode_named("turbo")
