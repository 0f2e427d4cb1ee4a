"""Provides the Millumin simulator: the launched column, the timeline (playing or paused) and its segment.

Addresses are case-insensitive and the `/millumin` prefix is optional, as in Millumin. It answers nothing.
"""

from __future__ import annotations

from typing import Any

from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator
from showcall.sim.listeners import Peer

__all__ = ["MilluminSimulator"]


class MilluminSimulator(OscSimulator):
    """Millumin's dashboard and timeline as seen over OSC (see module docstring)."""

    driver = "millumin"
    keeps = "launched column (index or name), timeline playing/paused, segment; answers nothing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.column: int | str | None = None
        self.timeline = "paused"
        self.segment: str | None = None

    def state(self) -> dict[str, Any]:
        """Column, timeline, segment."""
        return {"column": self.column, "timeline": self.timeline, "segment": self.segment}

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act as Millumin does."""
        address = message.address.lower()
        address = address.removeprefix("/millumin")
        args = message.args
        column = (
            args[0] if len(args) == 1 and isinstance(args[0], int | str) and not isinstance(args[0], bool) else None
        )
        if address == "/action/launchcolumn" and column is not None:
            self.column = column
            self._changed(f"column {column} launched")
        elif address == "/action/stopcolumn" and column is not None:
            if self.column == column:
                self.column = None
            self._changed(f"column {column} stopped")
        elif address == "/action/launchnextcolumn":
            self.column = self.column + 1 if isinstance(self.column, int) else 1
            self._changed(f"column {self.column} launched (next)")
        elif address in ("/action/playtimeline", "/action/pausetimeline"):
            self.timeline = "playing" if address == "/action/playtimeline" else "paused"
            self._changed(f"timeline {self.timeline}")
        elif address == "/action/gototimelinesegment" and len(args) == 1 and isinstance(args[0], str):
            self.segment = args[0]
            self._changed(f"timeline at segment {args[0]!r}")
        else:
            return False
        return True
