"""Provides `Waiter`: wait for file descriptors or an absolute monotonic time, at nanosecond precision.

An epoll timeout is whole milliseconds (Python rounds it up), so a core that slept with it would wake up to
1 ms late and need a 1.5 ms spin to make up for it. Instead a timerfd armed at the absolute CLOCK_MONOTONIC
time is watched with the other descriptors: one `select` call, woken at the right time. Where timerfd is
missing (not Linux), the wait sleeps whole milliseconds rounded down and `time.sleep`s the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import time

__all__ = ["Waiter"]

CLOCK_MONOTONIC = 1
TFD_NONBLOCK = os.O_NONBLOCK
TFD_CLOEXEC = os.O_CLOEXEC
TFD_TIMER_ABSTIME = 1


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class Waiter:
    """A selector plus a precise timer; `wait(until_ns)` returns the ready (fileobj, events) pairs."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._timerfd = -1
        self._spec = _Itimerspec()
        try:
            fd = int(self._libc.timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC))
        except AttributeError:
            fd = -1
        if fd >= 0:
            self._timerfd = fd
            self.selector.register(fd, selectors.EVENT_READ, None)

    @property
    def precise(self) -> bool:
        """True when a timerfd does the waiting."""
        return self._timerfd >= 0

    def wait(self, until_ns: int | None) -> list[tuple[selectors.SelectorKey, int]]:
        """Block until a registered descriptor is ready or `until_ns` (monotonic) has come."""
        if self._timerfd < 0:
            return self._wait_coarse(until_ns)
        if until_ns is None:
            return self._ready(self.selector.select(None))
        if until_ns <= time.monotonic_ns():
            return self._ready(self.selector.select(0))
        value = self._spec.it_value
        value.tv_sec, value.tv_nsec = divmod(until_ns, 1_000_000_000)
        if self._libc.timerfd_settime(self._timerfd, TFD_TIMER_ABSTIME, ctypes.byref(self._spec), None) != 0:
            return self._wait_coarse(until_ns)
        return self._ready(self.selector.select(None))

    def _ready(self, events: list[tuple[selectors.SelectorKey, int]]) -> list[tuple[selectors.SelectorKey, int]]:
        ready = []
        for key, mask in events:
            if key.fd == self._timerfd:
                with contextlib.suppress(BlockingIOError):  # read to re-arm; empty if it fired long ago
                    os.read(self._timerfd, 8)
            else:
                ready.append((key, mask))
        return ready

    def _wait_coarse(self, until_ns: int | None) -> list[tuple[selectors.SelectorKey, int]]:
        if until_ns is None:
            return self._ready(self.selector.select(None))
        left = until_ns - time.monotonic_ns()
        events = self.selector.select(max(0, left // 1_000_000) / 1000)
        if not events:
            left = until_ns - time.monotonic_ns()
            if left > 0:
                time.sleep(left / 1e9)
        return self._ready(events)

    def close(self) -> None:
        """Close the selector and the timer."""
        self.selector.close()
        if self._timerfd >= 0:
            os.close(self._timerfd)
            self._timerfd = -1
