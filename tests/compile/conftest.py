"""Fixtures for the compiler tests.

Every test here runs with the fast YAML reader and with the exact one alone (as in
tests/loader/conftest.py): the compiled bytes and the problems must be the same.
"""

from __future__ import annotations

import pytest

from showcall.loader import fastyaml

from support.showfiles import write

__all__ = ["write", "yaml_reader"]


@pytest.fixture(autouse=True, params=["fast", "exact"])
def yaml_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which YAML reader load_show uses first in this test: 'fast', or 'exact' (as without rapidyaml)."""
    if request.param == "exact":
        monkeypatch.setattr(fastyaml, "AVAILABLE", False)
    elif not fastyaml.AVAILABLE:
        pytest.skip("rapidyaml is not installed: the fast reader is off")
    return str(request.param)
