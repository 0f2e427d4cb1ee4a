"""Provides the `showcall` command line: it wires the parts together and does nothing else."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the showcall command line; returns the exit status."""
    return 0
