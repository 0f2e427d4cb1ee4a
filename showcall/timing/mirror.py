"""Provides `SendMirror`: the timing core telling a tracking backup of each send the moment it is made.

The engine reports a send only after the core's report has crossed to its process and been handled: a
main killed in that millisecond has sent a cue its backup never hears of, and a main's process torn down
slowly (a loaded machine) can lose its link before its core sees it is gone. So while a backup follows, the
core also sends one UDP datagram straight to it after each batch: every item sent, as
`[cue, device, due_ns, sent_ns]` on the core's clock. A datagram is `MAGIC`, then an HMAC-SHA256 of the rest
under a key both consoles derive from their passcode (showcall.backup.auth), then the JSON list: a stranger
on the show network cannot make a backup skip a cue. One lost datagram costs nothing but the certainty.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
from typing import Any

MAGIC = b"SCM1"
DIGEST = 32


def encode_sends(key: bytes, sends: list[tuple[str, str, int, int]]) -> bytes:
    """One signed datagram listing `sends` (cue, device, due_ns, sent_ns)."""
    body = json.dumps(sends, separators=(",", ":")).encode()
    return MAGIC + hmac.new(key, body, hashlib.sha256).digest() + body


def decode_sends(key: bytes, datagram: bytes) -> list[tuple[str, str, int, int]] | None:
    """The sends a datagram lists, or None when it is not a signed one of ours."""
    if not datagram.startswith(MAGIC) or len(datagram) < len(MAGIC) + DIGEST:
        return None
    mac, body = datagram[len(MAGIC) : len(MAGIC) + DIGEST], datagram[len(MAGIC) + DIGEST :]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        return None
    try:
        items: Any = json.loads(body)
        return [(str(c), str(d), int(due), int(at)) for c, d, due, at in items]
    except (ValueError, TypeError):
        return None


class SendMirror:
    """The core's side: a UDP socket that tells one address of every batch sent (see module docstring)."""

    def __init__(self, host: str, port: int, key: bytes) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.address = (host, port)
        self.key = key
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    def tell(self, sends: list[tuple[str, str, int, int]]) -> None:
        """Send one datagram (up to 200 sends each); never blocks, never raises."""
        for start in range(0, len(sends), 200):
            with contextlib.suppress(OSError):  # a full buffer or an unreachable backup: certainty lost, no more
                self.sock.sendto(encode_sends(self.key, sends[start : start + 200]), self.address)

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()
