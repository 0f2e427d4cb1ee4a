"""Snapshots of the main screen: the summit show at doors (08:30:05, LX 10 on standby, graphics down),
at 80×24 and 160×48, on standby, after GO, held, and after a refused GO (two GOs inside go_guard).

Update after a deliberate change with `pytest tests/tui --snapshot-update`, and look at the SVGs.
"""

from __future__ import annotations

import pytest

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_standby(snap_compare, summit, size):
    assert snap_compare(summit(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_after_go(snap_compare, summit, size):
    assert snap_compare(summit(), press=["space"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_held(snap_compare, summit, size):
    assert snap_compare(summit(), press=["h"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_refused(snap_compare, summit, size):
    assert snap_compare(summit(), press=["space", "space"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_rehearsal_clock(snap_compare, summit_rehearsal, size):
    assert snap_compare(summit_rehearsal().app, terminal_size=size)


def test_rehearsal_clock_held(snap_compare, summit_rehearsal):
    assert snap_compare(summit_rehearsal().app, press=["h"], terminal_size=(80, 24))
