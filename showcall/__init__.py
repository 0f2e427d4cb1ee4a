"""showcall: a live show-calling console with cue execution over OSC and MIDI."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
