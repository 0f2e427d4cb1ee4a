"""Provides `CoreProcess`: one timing core started with the multiprocessing "spawn" context, and its socket.

"spawn", never fork: the console's process runs Textual, threads and an event loop, none of which survive a
fork. Like any spawn child, the core re-imports the program's main module, which must therefore keep its work
under `if __name__ == "__main__":` (the `showcall` entry point does).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess

from showcall.timing import protocol as p
from showcall.timing.core import CoreConfig, run_core

__all__ = ["CoreProcess", "describe_exit"]

SOCKET_BUFFER = 4 << 20
"""Asked for both ways; the kernel caps it (net.core.wmem_max) — reports never block the core regardless."""


class CoreProcess:
    """One spawned core: its process, its end of the socketpair, and what was read from it."""

    def __init__(self, config: CoreConfig) -> None:
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        for sock in (ours, theirs):
            for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, opt, SOCKET_BUFFER)
        # daemon: multiprocessing also stops it when the console exits normally.
        self.process: BaseProcess = ctx.Process(
            target=run_core, args=(theirs, config), name="showcall-timing-core", daemon=True
        )
        self.process.start()
        theirs.close()  # only the core holds that end now, so its death is end-of-file here
        ours.setblocking(False)
        self.sock = ours
        self.reader = p.FrameReader()
        self.wbuf = bytearray()
        self.info: p.CoreInfo | None = None
        self.spawned_ns = time.monotonic_ns()
        self.last_heard_ns = self.spawned_ns
        self.dead = False
        self.writer_on = False

    @property
    def pid(self) -> int:
        """The core's process id."""
        return self.process.pid or 0


def describe_exit(code: int | None) -> str:
    """A process's exit in words: `killed by SIGKILL`, `exit status 1`."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
