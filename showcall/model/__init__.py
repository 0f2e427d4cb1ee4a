"""Provides the show-file model: pure, frozen pydantic data with no I/O."""

from __future__ import annotations
