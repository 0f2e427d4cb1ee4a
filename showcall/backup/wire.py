"""Provides the link's framing: one JSON object per line, each with `t`, its kind (docs/backup.md, "The link").

The engine's events travel as they are in the event log (`{"t": "ev", "e": {...the event line...}}`), so the
backup reads the same text a log holds. A line longer than `MAX_LINE` or not a JSON object ends the link:
the peer is not a showcall speaking this protocol.
"""

from __future__ import annotations

import json
from typing import Any

PROTOCOL = 1
"""The link's version, said in the first lines both ways; a peer with another is refused."""

MAX_LINE = 16 << 20
"""A line this long is not one of ours (the longest, a show sent to list differences, is ~4 MB at 10,000 cues)."""

# What the lines are (the `t` of each). Before authentication:
HELLO = "hello"  # listener -> dialer: protocol, nonce
AUTH = "auth"  # dialer -> listener: nonce, proof, and its show and role
WELCOME = "welcome"  # listener -> dialer: proof, and its show and role
REFUSED = "refused"  # either way, then the link closes: reason (and a show, when it is another)
# After:
EVENT = "ev"  # the live console's engine events
SYNC = "sync"  # the live console: `n` events of the show so far follow (the follower starts from a reset)
LIVE = "live"  # "I am live" (term): follow me
BEAT = "beat"  # the live console's heartbeat: n, at (its clock), fenced (it holds a lease)
ACK = "ack"  # the follower: beat n arrived
PING = "ping"  # either way, for the clocks: n, t1
PONG = "pong"  # the answer: n, t1, t2 (received), t3 (sent)
STAND_DOWN = "standdown"  # the follower asks the live console to stand down (a take-over by hand)
STOOD_DOWN = "stooddown"  # the live console stood down: nothing more leaves it; unconfirmed sends listed
BYE = "bye"  # a console that quits says so before it closes


class LinkProtocolError(Exception):
    """The peer wrote something that is not a line of this protocol."""


def encode(kind: str, **fields: Any) -> bytes:
    """One line: the object `{"t": kind, **fields}` and a newline."""
    return json.dumps({"t": kind, **fields}, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class LineReader:
    """Cuts the byte stream into lines and reads each as an object: `feed` bytes, get the complete ones."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buf = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Every complete line received so far; LinkProtocolError for one that is not ours."""
        self._buf += data
        out: list[dict[str, Any]] = []
        start = 0
        while (end := self._buf.find(b"\n", start)) >= 0:
            out.append(_object(bytes(self._buf[start:end])))
            start = end + 1
        del self._buf[:start]
        if len(self._buf) > self._max:
            raise LinkProtocolError(f"a line longer than {self._max} bytes")
        return out


def _object(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LinkProtocolError(f"not a JSON line: {exc}") from exc
    if not isinstance(value, dict) or not isinstance(value.get("t"), str):
        raise LinkProtocolError("a line without its kind (`t`)")
    return value
