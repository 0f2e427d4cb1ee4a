"""`showcall diff` as a user runs it: exit statuses, the text and JSON, --dept, --git, and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from showcall.cli import main

from support.showpairs import REPO, ShowPair

HOST_EDIT = ("    driver: x32\n    host: 127.0.0.1", "    driver: x32\n    host: 10.0.0.20")
LABEL_EDIT = ("        label: House out\n", "        label: House out, slowly\n")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ShowPair:
    """shows/ copied to old/ and new/ in the current folder, so output names them short."""
    monkeypatch.chdir(tmp_path)
    made = ShowPair(tmp_path)
    made.old, made.new = Path("old"), Path("new")
    return made


def test_identical_files_exit_0_and_say_no_changes(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(pair.old / "summit.yaml"), str(pair.new / "summit.yaml")
    assert run(capsys, old, new) == (0, f"showcall diff: {old} -> {new}\nno changes\n", "")


def test_different_files_exit_1(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    pair.edit("summit.yaml", *LABEL_EDIT)
    code, out, err = run(capsys, str(pair.old / "summit.yaml"), str(pair.new / "summit.yaml"))
    assert (code, err) == (1, "")
    assert out.splitlines()[1:] == [
        "1 cue changed   (+ added  - removed  ~ changed)",
        "",
        "LX  Lighting: 1 cue",
        "  ~ LX 11  House out, slowly",
        "      label: House out -> House out, slowly",
    ]


def test_json_output(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    pair.edit("summit.yaml", *LABEL_EDIT)
    pair.edit("packs/corporate.yaml", *HOST_EDIT)
    code, out, _ = run(capsys, "--json", str(pair.old / "summit.yaml"), str(pair.new / "summit.yaml"))
    assert code == 1
    assert json.loads(out) == {
        "old": str(pair.old / "summit.yaml"),
        "new": str(pair.new / "summit.yaml"),
        "equal": False,
        "summary": "1 cue and 1 device changed",
        "departments": [
            {
                "dept": "LX",
                "name": "Lighting",
                "cues": [
                    {
                        "change": "changed",
                        "cue": "LX 11",
                        "dept": "LX",
                        "id": "11",
                        "label": "House out, slowly",
                        "segment": "open",
                        "packs": [],
                        "changed_packs": [],
                        "fields": [{"field": "label", "old": "House out", "new": "House out, slowly"}],
                        "sends": [],
                    }
                ],
            }
        ],
        "show": [
            {
                "change": "changed",
                "kind": "device",
                "name": "mix",
                "title": "",
                "fields": [{"field": "host", "old": "127.0.0.1", "new": "10.0.0.20"}],
                "touches": [],
            }
        ],
    }


def test_dept_shows_one_department_and_its_status(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    pair.edit("summit.yaml", *LABEL_EDIT)
    pair.edit("packs/corporate.yaml", *HOST_EDIT)
    old, new = str(pair.old / "summit.yaml"), str(pair.new / "summit.yaml")
    code, out, _ = run(capsys, "--dept", "SND", old, new)
    assert (code, out.splitlines()[1:]) == (0, ["no changes"])
    code, out, _ = run(capsys, "--dept", "show", old, new)
    assert code == 1
    assert "LX 11" not in out and "~ device mix" in out
    code, out, _ = run(capsys, "--dept", "lx, Show", "--json", old, new)
    assert code == 1
    assert json.loads(out)["summary"] == "1 cue and 1 device changed"


def test_unknown_dept_is_a_usage_error(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--dept", "LX,PYRO", str(pair.old / "tiny.yaml"), str(pair.new / "tiny.yaml"))
    assert (code, out) == (2, "")
    assert err == "showcall diff: no department PYRO in either show (departments: LX, SND, show)\n"


def test_wrong_number_of_files(pair: ShowPair, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = str(pair.old / "tiny.yaml")
    assert run(capsys, tiny) == (
        2,
        "",
        "showcall diff: diff takes two files, OLD NEW (or --git REV FILE); got one file\n",
    )
    assert run(capsys, "--git", "HEAD", tiny, tiny) == (
        2,
        "",
        "showcall diff: diff takes one FILE with --git REV; got 2 files\n",
    )


def test_a_file_that_does_not_load_exits_2_with_its_problems_located(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "shows", tmp_path / "shows")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "shows/broken/typo.yaml"]) == 1
    _, checked = capsys.readouterr()
    code, out, err = run(capsys, "shows/tiny.yaml", "shows/broken/typo.yaml")
    assert (code, out) == (2, "")
    assert err == checked
    assert err.splitlines() == [
        "shows/broken/typo.yaml:19:5: cue 1: unknown key 'lable' (did you mean 'label'?)",
        "shows/broken/typo.yaml:26:28: cue 2: unknown key 'adress' (did you mean 'address'?)",
        "shows/broken/typo.yaml: 2 problems",
    ]


def test_both_files_broken_or_missing_are_all_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "shows", tmp_path / "shows")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--json", "shows/nowhere.yaml", "shows/broken/tab.yaml")
    assert code == 2
    assert err.splitlines()[0].startswith("shows/nowhere.yaml:1:1: ")
    assert "shows/nowhere.yaml: 1 problem" in err.splitlines()
    assert err.splitlines()[-1].startswith("shows/broken/tab.yaml: ")
    payload = json.loads(out)
    assert payload["equal"] is None
    assert [f["path"] for f in payload["files"]] == ["shows/nowhere.yaml", "shows/broken/tab.yaml"]
    assert "Traceback" not in err


# ---- --git ------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with shows/ committed twice (tag v1 = as shipped, HEAD = LX 11 relabelled)."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "shows", root / "shows")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "as shipped")
    git(root, "tag", "v1")
    summit = root / "shows" / "summit.yaml"
    summit.write_text(summit.read_text().replace(*LABEL_EDIT))
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "relabel")
    return root


def test_git_compares_the_file_at_a_revision_with_the_file_on_disk(
    monkeypatch: pytest.MonkeyPatch, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo / "shows")
    pack = repo / "shows" / "packs" / "corporate.yaml"
    pack.write_text(pack.read_text().replace(*HOST_EDIT))  # not committed: the include on disk is the new one
    code, out, err = run(capsys, "--git", "v1", "summit.yaml")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "showcall diff: v1:shows/summit.yaml -> summit.yaml",
        "1 cue and 1 device changed   (+ added  - removed  ~ changed)",
        "",
        "LX  Lighting: 1 cue",
        "  ~ LX 11  House out, slowly",
        "      label: House out -> House out, slowly",
        "",
        "show: 1 change",
        "  ~ device mix",
        "      host: 127.0.0.1 -> 10.0.0.20",
    ]
    code, out, err = run(capsys, "--git", "HEAD", "summit.yaml")  # the include at HEAD is the old one too
    assert (code, err) == (1, "")
    assert "~ device mix" in out and "LX 11" not in out
    pack.write_text((REPO / "shows" / "packs" / "corporate.yaml").read_text())
    assert run(capsys, "--git", "HEAD", "summit.yaml")[0] == 0


def test_git_problems_at_the_revision_are_located_there(
    monkeypatch: pytest.MonkeyPatch, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summit = repo / "shows" / "summit.yaml"
    good = summit.read_text()
    summit.write_text(good.replace("        label: House out, slowly\n", "        lable: House out, slowly\n"))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "typo")
    summit.write_text(good)
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "--git", "HEAD", "shows/summit.yaml")
    assert (code, out) == (2, "")
    assert err == (
        "HEAD:shows/summit.yaml:81:9: cue 11: unknown key 'lable' (did you mean 'label'?)\n"
        "HEAD:shows/summit.yaml: 1 problem\n"
    )


@pytest.mark.parametrize(
    ("rev", "file", "message"),
    [
        ("no-such-rev", "shows/summit.yaml", "unknown git revision 'no-such-rev'"),
        ("--output=x", "shows/summit.yaml", "unknown git revision '--output=x'"),
        ("v1", "shows/new.yaml", "shows/new.yaml is not in git at v1"),
    ],
)
def test_git_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch, repo: Path, capsys: pytest.CaptureFixture[str], rev: str, file: str, message: str
) -> None:
    monkeypatch.chdir(repo)
    (repo / "shows" / "new.yaml").write_text((repo / "shows" / "tiny.yaml").read_text())
    assert run(capsys, f"--git={rev}", file) == (2, "", f"showcall diff: {message}\n")


def test_git_outside_a_repository(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REPO / "shows" / "tiny.yaml", tmp_path / "tiny.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # a repository above tmp must not count
    assert run(capsys, "--git", "HEAD", "tiny.yaml") == (2, "", "showcall diff: tiny.yaml is not in a git repository\n")


def test_real_process_exit_statuses(repo: Path) -> None:
    def showcall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "showcall", "diff", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    same = showcall("--git", "HEAD", "shows/summit.yaml")
    assert (same.returncode, same.stdout.splitlines()[-1], same.stderr) == (0, "no changes", "")
    changed = showcall("--git", "v1", "shows/summit.yaml")
    assert (changed.returncode, changed.stderr) == (1, "")
    broken = showcall("shows/summit.yaml", "shows/broken/unknown_verb.yaml")
    assert broken.returncode == 2
    assert broken.stderr.splitlines()[-1] == "shows/broken/unknown_verb.yaml: 2 problems"
    assert "Traceback" not in broken.stderr
