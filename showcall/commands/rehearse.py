"""Provides `showcall rehearse FILE`: `showcall run FILE --sim`, every device on its simulator."""

from __future__ import annotations

import argparse

from showcall.commands import run as run_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `showcall rehearse` (those of `run`, less --sim)."""
    run_command.add_arguments(parser, rehearse=True)


def run(args: argparse.Namespace) -> int:
    """Rehearse the show."""
    return run_command.run(args, rehearse=True)
