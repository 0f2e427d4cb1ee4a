"""Provides the link's passcode check and its address list.

Both consoles know a shared passcode; it never crosses the wire. The listener sends a fresh random nonce, the
dialer answers with its own nonce and HMAC-SHA256(passcode, "dialer" | listener's nonce | dialer's nonce); the
listener checks it and proves itself the same way ("listener" | dialer's nonce | listener's nonce). Each side
checks in constant time. A recorded exchange is no use later (fresh nonces), and neither side follows or leads
a console that does not know the passcode.

The listener only talks to addresses on its `--allow` list (loopback by default); any other connection is
closed unread.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from showcall.errors import ShowcallError

NONCE_BYTES = 16
PASSCODE_ENV = "SHOWCALL_LINK_PASSCODE"
MIN_PASSCODE = 8

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class LinkSetupError(ShowcallError):
    """The link's options cannot be used (passcode missing or too short, an address list that does not parse)."""


def new_nonce() -> str:
    """A fresh random nonce, hex."""
    return secrets.token_hex(NONCE_BYTES)


def proof(passcode: str, side: str, theirs: str, mine: str) -> str:
    """What `side` ("dialer" or "listener") sends to prove it knows the passcode."""
    message = f"showcall-link {side} {theirs} {mine}".encode()
    return hmac.new(passcode.encode(), message, hashlib.sha256).hexdigest()


def mirror_key(passcode: str, listener_nonce: str, dialer_nonce: str) -> bytes:
    """The key that signs a timing core's send mirror for this connection (never on the wire)."""
    return hmac.new(
        passcode.encode(), f"showcall-mirror {listener_nonce} {dialer_nonce}".encode(), hashlib.sha256
    ).digest()


def proven(passcode: str, side: str, theirs: str, mine: str, offered: object) -> bool:
    """True when `offered` is the proof `side` must give (compared in constant time)."""
    if not isinstance(offered, str):
        return False
    return hmac.compare_digest(proof(passcode, side, theirs, mine).encode(), offered.encode())


def read_passcode(given: str | None, path: Path | None) -> str:
    """The passcode from `--passcode`, `--passcode-file` or the environment (in that order), checked."""
    if given is None and path is not None:
        try:
            given = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise LinkSetupError(f"cannot read the passcode file {path}: {exc.strerror}") from exc
    if given is None:
        given = os.environ.get(PASSCODE_ENV)
    if not given:
        raise LinkSetupError(
            f"a main and its backup share a passcode: give --passcode-file PATH (or set {PASSCODE_ENV}) on both"
        )
    if len(given) < MIN_PASSCODE:
        raise LinkSetupError(f"the passcode must be at least {MIN_PASSCODE} characters")
    return given


def parse_allow(text: str) -> tuple[Network, ...]:
    """`--allow 10.0.0.0/24,192.168.1.7`: the networks a backup may connect from."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise LinkSetupError(f"--allow: not an address or network: {part!r}") from None
    if not networks:
        raise LinkSetupError("--allow: no address given")
    return tuple(networks)


LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def allowed(host: str, networks: Sequence[Network]) -> bool:
    """True when `host` (a peer's numeric address) is in one of `networks`."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
