"""Provides who may call the show over OSC control: the allow-list, the passcode and per-source silencing.

OSC over UDP has no authentication of its own, and a packet's source address is only as true as the
network it crossed. So control listens on loopback unless told otherwise; listening anywhere else
needs an allow-list of networks (`ControlPolicy.allow`; 127.0.0.1 and ::1 are always in it); and a passcode,
when set, must be in every message's address (`/showcall/<passcode>/go`), from every source,
loopback too. A source that sends `WRONG_LIMIT` wrong passcodes within `WRONG_WINDOW_NS` is ignored
for `SILENCE_NS`, which makes guessing slow (docs/engine.md, "Who can GO your show").
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import string
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from showcall.errors import ShowcallError

__all__ = [
    "MIN_PASSCODE",
    "PASSCODE_ENV",
    "SILENCE_NS",
    "WRONG_LIMIT",
    "WRONG_WINDOW_NS",
    "ControlPolicy",
    "ControlPolicyError",
    "PasscodeGate",
    "is_loopback_host",
    "parse_allow",
    "passcode_from",
]

_V = TypeVar("_V")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
"""Always allowed: this machine's own senders use these (a sender bound to another 127.x address must be allowed)."""
PASSCODE_ENV = "SHOWCALL_CONTROL_PASSCODE"
"""The environment variable a passcode may come from (not visible to other users in `ps`)."""
MIN_PASSCODE = 8
PASSCODE_CHARS = frozenset(string.ascii_letters + string.digits + "-_.~")
"""Characters that are safe in an OSC address part, a Companion path field and a shell alike."""

WRONG_LIMIT = 5
WRONG_WINDOW_NS = 10_000_000_000
SILENCE_NS = 30_000_000_000
MAX_SOURCES = 4096
"""Sources whose wrong passcodes are remembered; the oldest is forgotten first (memory stays bounded)."""


class ControlPolicyError(ShowcallError, ValueError):
    """The control options do not make a safe or a usable policy (a usage error: exit 2)."""


def is_loopback_host(host: str) -> bool:
    """True when listening on `host` accepts packets from this machine only.

    A host name other than `localhost` counts as beyond loopback: it is not looked up here, and
    what it resolves to can change.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_allow(text: str) -> tuple[Network, ...]:
    """`10.0.0.0/24,192.168.1.20` as networks (an address alone is a network of one)."""
    networks: list[Network] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ControlPolicyError(
                f"not a network: {item!r} (write CIDR, e.g. 10.0.0.0/24, or one address, e.g. 10.0.0.21)"
            ) from None
    if not networks:
        raise ControlPolicyError("--control-allow needs at least one network, e.g. 10.0.0.0/24")
    return tuple(networks)


def _checked_passcode(passcode: str, where: str) -> str:
    if len(passcode) < MIN_PASSCODE:
        raise ControlPolicyError(f"the passcode from {where} is too short: at least {MIN_PASSCODE} characters")
    if not set(passcode) <= PASSCODE_CHARS:
        raise ControlPolicyError(
            f"the passcode from {where} may hold only letters, digits and - _ . ~ (it travels in an OSC address)"
        )
    return passcode


def passcode_from(text: str | None, file: Path | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The passcode from `--control-passcode`, else `--control-passcode-file` (its first line), else
    the environment variable PASSCODE_ENV; None when none is given. ControlPolicyError when it cannot be used."""
    if text is not None and file is not None:
        raise ControlPolicyError("give --control-passcode or --control-passcode-file, not both")
    if text is not None:
        return _checked_passcode(text, "--control-passcode")
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ControlPolicyError(f"cannot read the passcode file {file}: {reason}") from None
        return _checked_passcode(lines[0].strip() if lines else "", str(file))
    value = (os.environ if environ is None else environ).get(PASSCODE_ENV)
    if value:
        return _checked_passcode(value, f"${PASSCODE_ENV}")
    return None


@dataclass(frozen=True)
class ControlPolicy:
    """Where control listens, who may send it, and the passcode every message must carry (if any).

    Raises ControlPolicyError for a listening address beyond loopback without an allow-list.
    """

    host: str = "127.0.0.1"
    allow: tuple[Network, ...] = ()
    passcode: str | None = None

    def __post_init__(self) -> None:
        if not is_loopback_host(self.host) and not self.allow:
            raise ControlPolicyError(
                f"--control-host {self.host} accepts control from other machines: say which with "
                "--control-allow CIDR[,CIDR] (e.g. --control-allow 10.0.0.0/24), and set a passcode "
                "(see docs/engine.md, 'Who can GO your show')"
            )
        if self.passcode is not None:
            _checked_passcode(self.passcode, "the policy")

    def allows(self, source: str) -> bool:
        """True when a packet from the address `source` may be read at all (127.0.0.1 and ::1 always may)."""
        try:
            address = ipaddress.ip_address(source)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d
        return any(address in network for network in (*LOOPBACK, *self.allow))


class PasscodeGate:
    """Checks passcodes in constant time and silences a source after too many wrong ones (see module docstring).

    Time is passed in (`now_ns`), so the limits are tested on virtual time.
    """

    def __init__(self, passcode: str) -> None:
        # Both sides hashed first: compare_digest then takes equal lengths, so not even the
        # passcode's length leaks through timing.
        self._digest = hashlib.sha256(passcode.encode()).digest()
        self._wrong: OrderedDict[str, deque[int]] = OrderedDict()
        self._silenced_until: OrderedDict[str, int] = OrderedDict()
        self.silences = 0

    def matches(self, given: str) -> bool:
        """True when `given` is the passcode (constant time)."""
        return hmac.compare_digest(hashlib.sha256(given.encode("utf-8", "replace")).digest(), self._digest)

    def silenced(self, source: str, now_ns: int) -> bool:
        """True while `source` is being ignored."""
        until = self._silenced_until.get(source)
        if until is None:
            return False
        if now_ns < until:
            return True
        del self._silenced_until[source]
        return False

    def wrong(self, source: str, now_ns: int) -> bool:
        """Count a wrong passcode from `source`; True when that makes it silenced (for SILENCE_NS)."""
        times = self._wrong.pop(source, None) or deque(maxlen=WRONG_LIMIT)
        times.append(now_ns)
        self._wrong[source] = times  # most recent last: the oldest source is forgotten first
        _bound(self._wrong)
        if len(times) < WRONG_LIMIT or now_ns - times[0] > WRONG_WINDOW_NS:
            return False
        del self._wrong[source]
        self._silenced_until[source] = now_ns + SILENCE_NS
        _bound(self._silenced_until)
        self.silences += 1
        return True


def _bound(table: OrderedDict[str, _V]) -> None:
    while len(table) > MAX_SOURCES:
        table.popitem(last=False)
