"""Fixtures for the show-file tests."""

from __future__ import annotations

from support.showfiles import write

__all__ = ["write"]
