"""Provides `python -m showcall`."""

from __future__ import annotations

from showcall.cli import main

raise SystemExit(main())
