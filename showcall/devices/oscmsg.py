"""Provides `decode_osc`: one OSC packet (a message or a bundle) as plain messages, or `MalformedOscError`.

The one OSC decoder and formatter of showcall: control input, device feedback, the simulators and the
console's packet lines all read packets here, so a message reads the same wherever it is shown.
python-osc is the codec, but it logs and skips unknown type tags and lets a bad string escape as
UnicodeDecodeError, so the packet's shape and its type tags are checked here first; every way a packet
can be wrong ends as one exception type carrying a short reason that can be counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle import ParseError as BundleParseError
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message import ParseError as MessageParseError

from showcall.errors import ShowcallError

__all__ = ["BUNDLE_TAG", "MAX_BUNDLE_DEPTH", "MalformedOscError", "OscIn", "decode_osc", "format_arg"]

BUNDLE_TAG = b"#bundle\x00"
MAX_BUNDLE_DEPTH = 8
"""Bundles nest; a packet nesting deeper than this is refused rather than recursed into."""

_KNOWN_TAGS = frozenset("ihfdsbrmtTFN[]")


class MalformedOscError(ShowcallError, ValueError):
    """Bytes that are not a well-formed OSC packet; `reason` is short enough to count by."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class OscIn:
    """One decoded OSC message: its address and arguments (ints, floats, strings, bytes, bools, None)."""

    address: str
    args: tuple[Any, ...] = ()

    def summary(self) -> str:
        """The message as one line: `/ch/03/mix/on 0`, `/lower3/on 1 "Jane Doe" 0.25`."""
        if not self.args:
            return self.address
        return f"{self.address} {self.args_text()}"

    def args_text(self) -> str:
        """The arguments as `summary` shows them (`1 "Jane Doe" 0.25`), empty without any."""
        return " ".join(format_arg(arg) for arg in self.args)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (blobs as hex)."""
        return {"address": self.address, "args": [_jsonable(arg) for arg in self.args]}


def format_arg(value: Any) -> str:
    """One argument as the console shows it: floats to 6 significant digits, strings quoted."""
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "nil"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bytes | bytearray):
        return f"<blob {len(value)} bytes>"
    if isinstance(value, list):
        return "[" + " ".join(format_arg(item) for item in value) + "]"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, tuple):  # MIDI and RGBA arguments
        return list(value)
    return value


def decode_osc(packet: bytes) -> list[OscIn]:
    """The messages in `packet`, bundles flattened in order (their time tags are not honoured).

    Raises MalformedOscError for anything that is not a well-formed OSC packet.
    """
    if not packet:
        raise MalformedOscError("empty packet")
    if len(packet) % 4:
        raise MalformedOscError("not a multiple of 4 bytes")
    return list(_messages(bytes(packet), 0))


def _messages(packet: bytes, depth: int) -> Iterator[OscIn]:
    if packet.startswith(BUNDLE_TAG):
        if depth >= MAX_BUNDLE_DEPTH:
            raise MalformedOscError("bundles nested too deep")
        try:
            bundle = OscBundle(packet)
        except BundleParseError as exc:
            raise MalformedOscError("malformed bundle") from exc
        for index in range(bundle.num_contents):
            content = bundle.content(index)
            yield from _messages(content.dgram, depth + 1)
        return
    if packet[:1] != b"/":
        raise MalformedOscError("not an OSC message or bundle")
    _check_shape(packet)
    try:
        message = OscMessage(packet)
    except (MessageParseError, UnicodeDecodeError) as exc:
        raise MalformedOscError("truncated or malformed arguments") from exc
    yield OscIn(message.address, tuple(message.params))


def _check_shape(packet: bytes) -> None:
    """Address and type tags must be padded strings, the tags all known (python-osc would skip others)."""
    end = packet.find(b"\x00")
    if end < 0:
        raise MalformedOscError("address not terminated")
    try:
        packet[:end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedOscError("address is not ASCII") from exc
    tags_at = (end // 4 + 1) * 4
    if tags_at >= len(packet):
        return  # no type tag string: a message without arguments (OSC 1.0 allows it)
    if packet[tags_at : tags_at + 1] != b",":
        raise MalformedOscError("type tags do not start with ','")
    tags_end = packet.find(b"\x00", tags_at)
    if tags_end < 0:
        raise MalformedOscError("type tags not terminated")
    tags = packet[tags_at + 1 : tags_end]
    if not {chr(byte) for byte in tags} <= _KNOWN_TAGS:
        raise MalformedOscError("unknown type tag")
