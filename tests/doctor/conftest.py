"""Fixtures for the doctor's tests: show files written to a temporary folder."""

from __future__ import annotations

from support.showfiles import write

__all__ = ["write"]
