"""Provides `LastWords`: what a timing core says in the event log when the console vanished without a word.

The console logs each send when the core's report reaches it. If the console dies (kill -9, a crash), reports
still on their way are lost with it, and a crash resume could not tell a message that went out from one that
did not. The core outlives the console by the moment it takes to read end of file on its socket (it stops
sending at once), so it keeps the last `RECENT` sends it made and, when the console is gone, appends them to
the console's event log as one `core_sent` line:

    {"event":"core_sent","mono_ns":...,"pid":...,"reason":"...","items":[[item_id, sent_ns, ok], ...]}

`ok` is 0 for a send that failed (it was attempted: a resume must not repeat it either). A resume reads this
line with the console's own (showcall.engine.replay), so a send whose report was lost is still sent only once.
Nothing here runs while the console lives: keeping a send costs one deque append after the burst.
"""

from __future__ import annotations

import json
import os
from collections import deque

__all__ = ["RECENT", "LastWords"]

RECENT = 32_768
"""Sends kept: far more than can be in flight between the core and a live console (its reports are read within
milliseconds); ~2.5 MB at most."""


class LastWords:
    """The core's recent sends, written to the event log at `path` when the console has gone."""

    def __init__(self, path: str, recent: int = RECENT) -> None:
        self.path = path
        self.sent: deque[tuple[int, int, int]] = deque(maxlen=recent)

    def note(self, item_id: int, sent_ns: int, ok: bool) -> None:
        """One send was made (or attempted and failed)."""
        self.sent.append((item_id, sent_ns, 1 if ok else 0))

    def line(self, now_ns: int, pid: int, reason: str) -> bytes:
        """The `core_sent` line (with its newline)."""
        record = {
            "event": "core_sent",
            "mono_ns": now_ns,
            "pid": pid,
            "reason": reason,
            "items": [list(entry) for entry in self.sent],
        }
        return json.dumps(record, separators=(",", ":")).encode() + b"\n"

    def write(self, now_ns: int, pid: int, reason: str) -> None:
        """Append the `core_sent` line to the log, on disk before the core exits.

        The console may have died in the middle of a line: the record then starts on a line of its own, and
        the cut line stays the last of the console's (a resume skips it, as it skips a cut last line).
        """
        if not self.path:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            cut = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            os.write(fd, (b"\n" if cut else b"") + self.line(now_ns, pid, reason))
            os.fsync(fd)
        finally:
            os.close(fd)
