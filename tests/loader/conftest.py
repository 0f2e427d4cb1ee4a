"""Fixtures for the show-file tests.

Every test here runs twice: with the fast YAML reader (rapidyaml, placeholder positions, an exact
re-read when anything is wrong) and with the exact reader alone. The expected texts are the same,
so each test also proves that the fast path reports problems exactly where the exact one does.
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
