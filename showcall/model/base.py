"""Provides the base for every show-file model: frozen, and strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """A frozen pydantic model that refuses unknown keys, so a typo like `adress` is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
