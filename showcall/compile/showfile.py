"""Provides `load_show`: a show file becomes a compiled Plan, or every problem in it, located.

This is the whole pipeline the command line and the console use: read and validate
(showcall.loader.show), lint (showcall.loader.lint), compile (showcall.compile.compiler). It never
raises for a bad show file. It lives with the compiler, the last stage it runs, because the loader
must not import the layers above it (design.md's dependency direction, tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from showcall.compile.compiler import compile_show
from showcall.compile.plan import Plan
from showcall.errors import Problem, ShowFileError
from showcall.loader.lint import lint_show
from showcall.loader.show import read_show
from showcall.loader.sources import ShowSources
from showcall.model.show import Show


@dataclass
class LoadedShow:
    """The outcome of loading a show file: the show and its plan, or the problems."""

    path: Path
    display: str
    show: Show | None
    plan: Plan | None
    sources: ShowSources | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the show can be run."""
        return not self.problems and self.plan is not None


def load_show(path: Path | str, display: str | None = None) -> LoadedShow:
    """Load, lint and compile the show at `path`; problems are collected, never raised."""
    path = Path(path)
    display = display if display is not None else str(path)
    read = read_show(path, display)
    problems = list(read.problems)
    plan = None
    if read.show is not None and read.sources is not None:
        problems.extend(lint_show(read.show, read.sources))
        plan, compile_problems = compile_show(read.show, read.sources, read.profiles, source=display)
        problems.extend(compile_problems)
    unique = sorted(set(problems))
    return LoadedShow(path, display, read.show, None if unique else plan, read.sources, unique)


def require_plan(path: Path | str) -> Plan:
    """The compiled plan of the show at `path`, or ShowFileError carrying every problem."""
    loaded = load_show(path)
    if loaded.plan is None:
        raise ShowFileError(loaded.problems or [Problem(str(path), 1, 1, "", "the show could not be compiled")])
    return loaded.plan
