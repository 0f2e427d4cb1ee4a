"""Provides one-line descriptions of wire packets, for the last feedback a device sent back."""

from __future__ import annotations

from showcall.devices.oscmsg import MalformedOscError, decode_osc
from showcall.tui.data.text import ellipsize

MAX_ARGS_TEXT = 60


def describe_packet(packet: bytes) -> str:
    """`/eos/out/active/cue/1/10 0.5` for an OSC message (a bundle's messages joined by `; `), hex bytes for
    anything else (MIDI, or OSC too malformed to read). Decoded and formatted by `showcall.devices.oscmsg`."""
    try:
        messages = decode_osc(packet)
    except MalformedOscError:
        return _hex(packet)
    return "; ".join(
        f"{m.address} {ellipsize(m.args_text(), MAX_ARGS_TEXT)}" if m.args else m.address for m in messages
    )


def _hex(packet: bytes) -> str:
    shown = packet[:12].hex(" ").upper()
    return shown + (" …" if len(packet) > 12 else "")
