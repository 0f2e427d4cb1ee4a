"""`showcall bench NAME`: one entry per benchmark, each listed, each with its own --help, each imported lazily."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import showcall.bench
from showcall.cli import BENCHMARKS, build_parser

REPO = Path(__file__).resolve().parents[2]
EXPECTED = ["timing", "engine", "load", "console", "sim", "web", "report", "soak", "backup"]


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_bench_help_lists_every_benchmark_with_a_line_of_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "bench")
    listed = re.findall(r"^ {4}(\w+) +\S", text, re.MULTILINE)
    assert listed == EXPECTED == list(BENCHMARKS)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_benchmark_has_its_own_help_with_a_description(capsys: pytest.CaptureFixture[str], name: str) -> None:
    text = help_of(capsys, "bench", name)
    assert text.startswith(f"usage: showcall bench {name} [-h]")
    module = importlib.import_module(f"showcall.bench.{name}")
    first_words = " ".join(module.DESCRIPTION.split()[:4])
    assert first_words in " ".join(text.split())
    assert "--json" in text


def test_every_benchmark_module_is_in_the_table_and_every_entry_has_a_module() -> None:
    # A module with add_arguments and run is a benchmark; one missing from BENCHMARKS could not be run.
    runnable = set()
    for info in pkgutil.iter_modules(showcall.bench.__path__):
        module = importlib.import_module(f"showcall.bench.{info.name}")
        if callable(getattr(module, "add_arguments", None)) and callable(getattr(module, "run", None)):
            runnable.add(info.name)
    assert runnable == set(BENCHMARKS)


def test_check_and_bench_help_import_no_benchmark() -> None:
    # `showcall check` must not pay for the benchmarks' imports, nor `showcall bench --help` for listing them.
    script = (
        "import sys, contextlib, io\n"
        "from showcall.cli import main\n"
        "assert main(['check', 'shows/summit.yaml']) == 0\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['bench', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('showcall.bench')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_an_unknown_benchmark_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "showcall", "bench", "nosuch"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "invalid choice: 'nosuch'" in done.stderr
