"""Benchmarks import the product, never the other way round: no module outside showcall/bench imports it.

(`showcall.cli` names each benchmark's module as a string and imports it only when that benchmark runs;
that is the one way in, and it is not an import statement.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import showcall

PACKAGE = Path(showcall.__file__).resolve().parent


def imports_of(source: str, module: str) -> set[str]:
    """Every module named by an import statement in `source`, relative ones resolved against `module`."""
    package = module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from showcall import bench`
    return found


def is_bench(name: str) -> bool:
    return name == "showcall.bench" or name.startswith("showcall.bench.")


def test_the_checker_sees_every_way_of_importing_the_benchmarks() -> None:
    # A checker that finds nothing proves nothing: each of these must be caught.
    for source, module in [
        ("import showcall.bench.timing", "showcall.cli"),
        ("from showcall.bench.procs import Receiver", "showcall.timing.core"),
        ("from showcall import bench", "showcall.cli"),
        ("from ..bench import load", "showcall.commands.check"),
        ("from . import bench", "showcall.cli"),
        ("def f():\n    from showcall.bench.sim import run_bench", "showcall.sim.rig"),
    ]:
        assert any(is_bench(name) for name in imports_of(source, module)), source
    assert not any(is_bench(name) for name in imports_of("from showcall import benchmarks, stats", "showcall.x"))


def test_no_module_outside_showcall_bench_imports_it() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if relative.parts[:2] == ("showcall", "bench"):
            continue
        module = ".".join(relative.with_suffix("").parts)  # `showcall.tui.__init__`: its package is showcall.tui
        names = imports_of(path.read_text(encoding="utf-8"), module)
        offenders += [f"{relative}: imports {name}" for name in sorted(names) if is_bench(name)]
    assert offenders == []


def test_the_product_keeps_no_benchmark_modules() -> None:
    # The benchmarks' old homes (timing/bench*.py, runner/bench.py, tui/bench.py, sim/bench.py,
    # commands/bench_load.py): anything named bench outside showcall/bench belongs in it.
    stray = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*bench*.py")
        if path.relative_to(PACKAGE).parts[0] != "bench"
    ]
    assert stray == []
