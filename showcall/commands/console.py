"""Provides the console entry point for `showcall run` without --headless."""

from __future__ import annotations

import sys
from pathlib import Path

from showcall.runner.session import SessionOptions


def run_console(path: Path, options: SessionOptions) -> int:
    """Run the Textual console on the show at `path`."""
    try:
        from showcall.tui.app import run_app  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        print("showcall: the console is not available in this build; use --headless", file=sys.stderr)
        return 2
    result: int = run_app(path, options)
    return result
