"""Provides real headless rehearsals of a show to the end, for tests that need a real event log.

`showcall rehearse FILE --headless --auto GAP --log LOG` runs as its own process on the simulators.
`--auto` GOes manual cues by itself, but `at` cues wait for their time of day on the show clock (the
summit's five-minute call is 25 minutes after doors), `--auto` waits while such a cue's follow chain is
armed, and timecode cues the playhead has passed wait for their frame. So
this plays the caller who does not wait for the clock: when nothing but device feedback has happened
for STALL_S once the show is up, it sends `go` (after `standby ID` of the first cue not yet fired, when the playhead is
past the end). Some of those GOs are refused (go_guard, end of show): that is in the log, as it would be.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

STALL_S = 1.0
"""Quiet time before the driver GOes by hand: well over --auto's gap, so auto goes first when it can."""


@dataclass
class Rehearsal:
    """A running rehearsal: call `finish()` to drive it to its end."""

    show: Path
    log: Path
    process: subprocess.Popen[str]
    cue_order: list[str]
    gos_sent: int = 0

    def close(self) -> None:
        """Close the pipes to the process (after it has ended)."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def finish(self, timeout_s: float) -> int:
        """Drive the run until it exits (see module docstring); returns its exit status."""
        lines: queue.Queue[str | None] = queue.Queue()
        out = self.process.stdout
        assert out is not None and self.process.stdin is not None

        def pump() -> None:
            for line in out:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        standby: str | None = None
        started = False  # no GO before the show is up: one sent while it loads waits, then meets go_guard
        fired: set[str] = set()
        last = time.monotonic()
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if started and time.monotonic() - last > STALL_S:
                    left = [c for c in self.cue_order if c not in fired]
                    if standby is None and left:
                        self.process.stdin.write(f"standby {left[0]}\n")
                    self.process.stdin.write("go\n")
                    self.process.stdin.flush()
                    self.gos_sent += 1
                    last = time.monotonic()
                continue
            if line is None:
                return self.process.wait(timeout=30)
            event = json.loads(line)
            if event["event"] != "feedback":  # devices report progress every second: not the show moving
                last = time.monotonic()
            if event["event"] == "standby":
                standby, started = event["cue"], True
            elif event["event"] == "go":
                fired.add(event["cue"])
        self.process.kill()
        raise TimeoutError(f"the rehearsal of {self.show} did not end within {timeout_s} s")


def start_rehearsal(show: Path, log: Path, cue_order: list[str], gap: str = "0.3s") -> Rehearsal:
    """Start `showcall rehearse SHOW --headless --auto GAP --log LOG` as a real process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "showcall", "rehearse", str(show), "--headless", "--auto", gap, "--log", str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    return Rehearsal(show, log, process, cue_order)
