"""Provides the rule for tests that need an external tool (liblo's oscdump/oscsend, tmux), and free ports.

A missing tool is a failure on CI (the `CI` variable is set: .ci/run installs them) and a skip,
saying why, on a developer's machine.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest


def require_tool(name: str, package: str) -> str:
    """The tool's path; when missing, a failure on CI and a skip elsewhere (see module docstring)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package {package})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must have it, the interop tests depend on it")
        pytest.skip(f"{message}; set CI=1 to make this a failure")
    return path


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port the kernel says is free now (for tools that must be told a port number)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
