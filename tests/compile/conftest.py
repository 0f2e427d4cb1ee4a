"""Fixtures for the compiler tests."""

from __future__ import annotations

from support.showfiles import write

__all__ = ["write"]
