"""Provides the console entry point for `showcall run` without --headless."""

from __future__ import annotations

from pathlib import Path

from showcall.runner.session import SessionOptions


def run_console(path: Path, options: SessionOptions) -> int:
    """Run the Textual console on the show at `path` (Textual is imported only for the console)."""
    from showcall.tui.app import run_app

    return run_app(path, options)
