"""Provides one-line descriptions of wire packets, for the last feedback a device sent back."""

from __future__ import annotations

from typing import Any

from pythonosc.osc_message import OscMessage

from showcall.tui.data.text import ellipsize

MAX_ARGS_TEXT = 60


def describe_packet(packet: bytes) -> str:
    """`/eos/out/active/cue/1/10 [0.5]` for an OSC message, hex bytes for anything else (MIDI)."""
    if packet.startswith(b"/"):
        try:
            message: Any = OscMessage(packet)
        except Exception:  # python-osc raises several types for malformed packets; any means "not OSC"
            return _hex(packet)
        args = list(message.params)
        text = str(message.address)
        if args:
            text += " " + ellipsize(" ".join(_arg(a) for a in args), MAX_ARGS_TEXT)
        return text
    if packet.startswith(b"#bundle"):
        return f"OSC bundle, {len(packet)} bytes"
    return _hex(packet)


def _arg(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _hex(packet: bytes) -> str:
    shown = packet[:12].hex(" ").upper()
    return shown + (" …" if len(packet) > 12 else "")
