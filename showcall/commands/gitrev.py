"""Provides `checkout_at`: a show file as it is in git at a revision, with its includes and drivers from there too.

The whole tree at the revision is written to a temporary folder (`git archive`), so every file the
show reaches (includes, the `drivers/` beside it) is the revision's; the folder is removed on exit.
A revision or file git does not know is a `GitRevisionError` with a one-line message.
"""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from showcall.errors import ShowcallError


class GitRevisionError(ShowcallError):
    """git cannot give the show file at the revision asked for (the message says why, in one line)."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitRevisionError("git is not installed (diff --git needs it)") from exc


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no message"


@contextlib.contextmanager
def checkout_at(revision: str, file: Path) -> Iterator[tuple[Path, str]]:
    """Yield (path of `file` as it was at `revision` in a temporary tree, its display name `REV:path`)."""
    folder = file.resolve().parent
    if not folder.is_dir():
        raise GitRevisionError(f"no such folder: {file.parent}")
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise GitRevisionError(f"{file} is not in a git repository")
    root = Path(top.stdout.decode().strip()).resolve()
    relative = (folder / file.name).relative_to(root).as_posix()
    if not revision or revision.startswith("-"):  # an option to git, not a revision
        raise GitRevisionError(f"unknown git revision '{revision}'")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root)
    if commit.returncode != 0:
        raise GitRevisionError(f"unknown git revision '{revision}'")
    sha = commit.stdout.decode().strip()
    if _git(["cat-file", "-e", f"{sha}:{relative}"], root).returncode != 0:
        raise GitRevisionError(f"{relative} is not in git at {revision}")
    with tempfile.TemporaryDirectory(prefix="showcall-diff-") as tmp:
        _extract(root, sha, Path(tmp))
        yield Path(tmp) / relative, f"{revision}:{relative}"


def _extract(root: Path, sha: str, into: Path) -> None:
    """The tree at `sha` written under `into`."""
    with subprocess.Popen(
        ["git", "archive", "--format=tar", sha], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None  # both asked for above
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                # "data": no absolute paths, links out of the folder or device files, whatever the tree holds
                archive.extractall(into, filter="data")
        except tarfile.TarError as exc:
            raise GitRevisionError(f"git archive {sha[:12]} failed: {_first_line(proc.stderr.read())}") from exc
        error = proc.stderr.read()
    if proc.returncode != 0:
        raise GitRevisionError(f"git archive {sha[:12]} failed: {_first_line(error)}")
