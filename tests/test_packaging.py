"""Packaging: every package folder is shipped, and a built wheel carries the device profiles and the web pages."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "showcall").rglob("__init__.py")} | {
        "showcall.drivers"
    }
    assert found == listed


def test_wheel_ships_profiles_and_finds_them_outside_the_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("showcall-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("showcall/drivers/") and n.endswith(".yaml")}
    assert shipped == {p.name for p in (REPO / "drivers").glob("*.yaml")}
    pages = {Path(n).name for n in names if n.startswith("showcall/web/static/")}
    assert pages == {p.name for p in (REPO / "showcall" / "web" / "static").iterdir()}  # the browser views
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    probe = (
        "import showcall.loader.profiles as p, sys; ps = p.load_profiles();"
        "assert not ps.problems, ps.problems; print(sorted(ps.names())); print(p.builtin_profile_files()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked)!r}); {probe}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    names_line, path_line = result.stdout.splitlines()
    assert "'eos'" in names_line and "'x32'" in names_line
    assert path_line.startswith(str(unpacked))
