"""Fuzzing show files: the example shows (and the pack and profile they include) mutated as bytes, as YAML
structure and as values. Whatever comes out, `showcall check` (in-process `cli.main`) exits 0 or 1, never
70 (an internal error), and every problem it reports points at a line and column inside a real file."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from support.checking import assert_checked_cleanly
from support.mutations import byte_mutations, dumped, text_mutations, tree_mutations

SHOWS = Path(__file__).resolve().parents[2] / "shows"


@dataclass(frozen=True)
class Seed:
    """A file to mutate (relative to shows/) and the show to check afterwards (the same file, or the show
    that includes it)."""

    mutate: str
    check: str

    @property
    def in_place(self) -> bool:
        return self.mutate != self.check


SEEDS = [
    *(Seed(p.relative_to(SHOWS).as_posix(), p.relative_to(SHOWS).as_posix()) for p in sorted(SHOWS.glob("*.yaml"))),
    *(
        Seed(p.relative_to(SHOWS).as_posix(), p.relative_to(SHOWS).as_posix())
        for p in sorted((SHOWS / "broken").glob("*.yaml"))
    ),
    Seed("packs/corporate.yaml", "summit.yaml"),  # an included pack
    Seed("drivers/sfx_midi.yaml", "concert.yaml"),  # a show's own device profile
]
TREES = {
    seed.mutate: yaml.safe_load((SHOWS / seed.mutate).read_text()) for seed in SEEDS if "broken" not in seed.mutate
}
TREE_SEEDS = [seed for seed in SEEDS if seed.mutate in TREES]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of shows/, so includes and local profiles resolve beside the mutated files."""
    root = tmp_path_factory.mktemp("fuzz") / "shows"
    shutil.copytree(SHOWS, root)
    return root


@contextlib.contextmanager
def mutated(workspace: Path, seed: Seed, content: bytes) -> Iterator[Path]:
    """Write `content` in the place of `seed.mutate` in the workspace; yields the show to check."""
    if seed.in_place:  # an include: overwrite it for this example, then put it back
        target = workspace / seed.mutate
        original = target.read_bytes()
        target.write_bytes(content)
        try:
            yield workspace / seed.check
        finally:
            target.write_bytes(original)
    else:  # a show: written beside the original, so its includes resolve the same way
        target = workspace / Path(seed.mutate).parent / "_fuzzed.yaml"
        target.write_bytes(content)
        yield target


@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_byte_mutations_are_refused_located(workspace: Path, seed: Seed, data: st.DataObject) -> None:
    content = data.draw(byte_mutations((SHOWS / seed.mutate).read_bytes()), label="mutated")
    with mutated(workspace, seed, content) as show:
        assert_checked_cleanly(show)


@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_yaml_text_mutations_are_refused_located(workspace: Path, seed: Seed, data: st.DataObject) -> None:
    text = data.draw(text_mutations((SHOWS / seed.mutate).read_text()), label="mutated")
    with mutated(workspace, seed, text.encode()) as show:
        assert_checked_cleanly(show)


@given(seed=st.sampled_from(TREE_SEEDS), data=st.data())
def test_structure_and_value_mutations_are_refused_located(workspace: Path, seed: Seed, data: st.DataObject) -> None:
    tree = data.draw(tree_mutations(TREES[seed.mutate]), label="tree")
    text = data.draw(dumped(tree), label="mutated")
    with mutated(workspace, seed, text.encode()) as show:
        assert_checked_cleanly(show)
