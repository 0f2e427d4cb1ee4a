"""Provides the Resolume Arena/Avenue simulator: the clip connected on each layer, the column, layer opacity.

Resolume triggers on the press (1) and ignores the release (0) of a connect message. It answers nothing:
its OSC output goes to a port set in its preferences, which a rehearsal does not need.
"""

from __future__ import annotations

import re
from typing import Any

from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator
from showcall.sim.listeners import Peer

__all__ = ["ResolumeSimulator"]

_CLIP = re.compile(r"/composition/layers/(\d+)/clips/(\d+)/connect")
_COLUMN = re.compile(r"/composition/columns/(\d+)/connect")
_OPACITY = re.compile(r"/composition/layers/(\d+)/video/opacity")
_LAYER_CLEAR = re.compile(r"/composition/layers/(\d+)/clear")


class ResolumeSimulator(OscSimulator):
    """A Resolume composition as seen over OSC (see module docstring)."""

    driver = "resolume"
    keeps = "clip connected per layer, connected column, layer opacity; disconnectall; answers nothing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clips: dict[int, int] = {}
        self.column: int | None = None
        self.opacity: dict[int, float] = {}

    def state(self) -> dict[str, Any]:
        """Connected clips by layer, the column, opacities."""
        return {
            "clips": {str(layer): clip for layer, clip in sorted(self.clips.items())},
            "column": self.column,
            "opacity": {str(layer): value for layer, value in sorted(self.opacity.items())},
        }

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act as the composition does."""
        address, args = message.address, message.args
        pressed = not args or args[0] not in (0, 0.0, False)
        if address == "/composition/disconnectall":
            if pressed:
                self.clips.clear()
                self.column = None
                self._changed("every clip disconnected")
            return True
        clip = _CLIP.fullmatch(address)
        if clip is not None:
            if pressed:
                layer, number = int(clip.group(1)), int(clip.group(2))
                self.clips[layer] = number
                self._changed(f"layer {layer} playing clip {number}")
            return True
        column = _COLUMN.fullmatch(address)
        if column is not None:
            if pressed:
                self.column = int(column.group(1))
                self._changed(f"column {self.column} connected")
            return True
        opacity = _OPACITY.fullmatch(address)
        if opacity is not None and len(args) == 1 and isinstance(args[0], int | float):
            layer = int(opacity.group(1))
            self.opacity[layer] = float(args[0])
            self._changed(f"layer {layer} opacity {float(args[0]):.2f}")
            return True
        clear = _LAYER_CLEAR.fullmatch(address)
        if clear is not None:
            if pressed and self.clips.pop(int(clear.group(1)), None) is not None:
                self._changed(f"layer {clear.group(1)} cleared")
            return True
        return False
