"""The failures fuzzing found, kept as regression cases: each file in corpus/ says what it broke and what
showcall must now say about it (`# expect:` lines, exactly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.checking import assert_checked_cleanly

CORPUS = Path(__file__).parent / "corpus"
SHOWS = sorted(p for p in (CORPUS / "showfiles").rglob("*.yaml") if "drivers" not in p.parts)


def expected(show: Path) -> list[str]:
    """The `# expect:` lines: `LINE:COL: message` in the show itself, or `PATH:LINE:COL: message` in a file
    beside it."""
    return [line.removeprefix("# expect: ") for line in show.read_text().splitlines() if line.startswith("# expect: ")]


@pytest.mark.parametrize("show", SHOWS, ids=lambda p: str(p.relative_to(CORPUS / "showfiles")))
def test_a_show_file_that_broke_showcall_is_refused_in_words(show: Path) -> None:
    problems = assert_checked_cleanly(show)
    said = []
    for problem in problems:
        path = Path(problem["path"])
        where = "" if path == show else f"{path.relative_to(show.parent).as_posix()}:"
        prefix = f"{problem['where']}: " if problem["where"] else ""
        said.append(f"{where}{problem['line']}:{problem['col']}: {prefix}{problem['message']}")
    assert said == expected(show)
    assert expected(show), "a corpus case says what showcall must say"
