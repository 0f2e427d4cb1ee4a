"""`showcall check` and `showcall schema` as a user runs them: real processes, exit codes, output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOOD = """\
showcall: 1
show: {title: Good}
devices:
  lx: {driver: eos, host: 127.0.0.1}
departments: {LX: {name: Lighting}}
cues:
  - {id: 1, dept: LX, actions: [{lx.fire: {cue: 1}}]}
  - {id: 2, dept: LX, go: {follow: 1s}, actions: [{lx.fire: {cue: 2}}]}
"""
BAD = GOOD.replace("cue: 2}", "cue: 2, lst: 1}").replace("dept: LX, go", "dept: SND, go")


def showcall(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_clean_show_exits_0_with_a_summary(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    result = showcall("check", "good.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "good.yaml: ok: 2 cues, 1 device, 2 messages\n"
    assert result.stderr == ""


def test_problems_exit_1_all_on_stderr_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "good.yaml").write_text(GOOD)
    result = showcall("check", "good.yaml", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "bad.yaml:8:19: cue 2: department 'SND' is not declared under departments: (declared: LX)",
        "bad.yaml:8:71: cue 2: unknown parameter 'lst' for eos.fire (did you mean 'list'?) (parameters: list, cue)",
        "bad.yaml: 2 problems",
    ]
    assert "Traceback" not in result.stderr
    assert result.stdout == "good.yaml: ok: 2 cues, 1 device, 2 messages\n"


def test_json_output(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = showcall("check", "--json", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    (entry,) = payload["files"]
    assert entry["path"] == "bad.yaml"
    assert entry["problems"][0] == {
        "path": "bad.yaml",
        "line": 8,
        "col": 19,
        "where": "cue 2",
        "message": "department 'SND' is not declared under departments: (declared: LX)",
        "severity": "error",
    }


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert showcall("check", cwd=tmp_path).returncode == 2
    assert showcall("nonsense", cwd=tmp_path).returncode == 2
    assert showcall("check", "--frobnicate", "x.yaml", cwd=tmp_path).returncode == 2


def test_every_command_has_help(tmp_path: Path) -> None:
    for args in (["--help"], ["check", "--help"], ["schema", "--help"]):
        result = showcall(*args, cwd=tmp_path)
        assert result.returncode == 0, args
        assert "usage: showcall" in result.stdout


def test_schema_is_json_schema_that_names_every_top_level_key(tmp_path: Path) -> None:
    result = showcall("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(schema["properties"]) == {
        "showcall",
        "show",
        "include",
        "devices",
        "departments",
        "packs",
        "segments",
        "cues",
    }
    assert {"Cue", "PackUse", "Segment", "DeviceConfig"} <= set(schema["$defs"])


def test_example_shows_pass_check() -> None:
    shows = sorted((REPO / "shows").glob("*.yaml"))
    assert len(shows) >= 3
    result = showcall("check", *[str(s.relative_to(REPO)) for s in shows], cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_broken_example_shows_fail_check_with_located_problems() -> None:
    broken = sorted((REPO / "shows" / "broken").glob("*.yaml"))
    assert broken
    for show in broken:
        result = showcall("check", str(show.relative_to(REPO)), cwd=REPO)
        assert result.returncode == 1, show
        first = result.stderr.splitlines()[0]
        assert first.startswith(f"{show.relative_to(REPO)}:"), first
