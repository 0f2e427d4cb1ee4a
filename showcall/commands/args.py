"""Provides the argument types shared by the commands: ports and host:port addresses, checked."""

from __future__ import annotations

import argparse


def port(text: str) -> int:
    """A TCP/UDP port, 1-65535."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port {number} is out of range 1..65535")
    return number


def port_or_zero(text: str) -> int:
    """A port, or 0 for one the system picks."""
    return 0 if text.strip() == "0" else port(text)


def host_port(text: str) -> str:
    """`HOST:PORT` (the host may be left out: `:9090` listens on 127.0.0.1), returned as written."""
    host, sep, number = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"write HOST:PORT, e.g. 127.0.0.1:9090, not {text!r}")
    port(number)
    return f"{host or '127.0.0.1'}:{number}"
