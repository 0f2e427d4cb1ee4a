"""Provides device outputs: the sockets and ports the timing core sends pre-built bytes through.

Nothing here imports the engine or the TUI; outputs live in the timing core's process.
"""

from __future__ import annotations
