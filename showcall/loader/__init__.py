"""Provides loading of show files and device profiles: YAML with positions, includes, packs, validation."""

from __future__ import annotations
