"""Provides show-file test helpers: write a show into a temporary folder, load it, read its problems."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from showcall.compile.showfile import LoadedShow, load_show

HEADER = """\
showcall: 1
show: {title: Test show}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
  gfx: {driver: osc, host: 127.0.0.1, port: 9000}
departments:
  LX: {name: Lighting}
  SND: {name: Audio}
"""

Write = Callable[..., Path]


def header(text: str = "") -> str:
    """A show file: HEADER (devices lx, snd, gfx; departments LX, SND) followed by `text`, dedented."""
    return HEADER + textwrap.dedent(text)


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write `text` (dedented) to `name` under a temporary folder; returns its path."""

    def _write(text: str | bytes, name: str = "show.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


def load(path: Path) -> LoadedShow:
    """Load a show shown by its file name, so problems read `show.yaml:3:5: ...`."""
    return load_show(path, display=path.name)


def problems(path: Path) -> list[str]:
    """Every problem of the show at `path`, as `check` prints them."""
    return [str(p) for p in load(path).problems]
