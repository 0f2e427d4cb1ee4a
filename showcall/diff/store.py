"""Provides the kept shows beside an event log: the show as it was at each run, to compare a later load with.

Layout: the folder of the log holds `shows/<digest>.json`, one file per distinct show (the record's
digest, showcall.compile.digest), written once and never rewritten. Every run in that folder (one
log per run, or several runs appended to one `--log` file) shares it: a show run ten times
unchanged is kept once, and a log's `loaded` event needs to name only the digest to find its show.

This is the one module of showcall.diff that touches files.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from showcall.diff.record import ShowRecord, show_from_json, show_to_json
from showcall.errors import KeptShowError

KEPT_FOLDER = "shows"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def kept_path(log_path: Path, digest: str) -> Path:
    """Where the show with `digest` is kept for the log at `log_path`."""
    if not _DIGEST.match(digest):  # it names a file: nothing but a digest may
        raise KeptShowError(f"not a show digest: {digest!r}")
    return log_path.parent / KEPT_FOLDER / f"{digest}.json"


def keep_show(log_path: Path, record: ShowRecord) -> Path:
    """Keep `record` beside the log at `log_path` unless it is already kept; returns its path.

    Written to a temporary file and renamed into place, so a crash never leaves half a show.
    """
    path = kept_path(log_path, record.digest)
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{record.digest[:12]}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(show_to_json(record))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise KeptShowError(f"cannot keep the show in {path}: {exc.strerror}") from exc
    return path


def read_kept(log_path: Path, digest: str) -> ShowRecord | None:
    """The show kept with `digest` beside the log at `log_path`; None when none was kept."""
    path = kept_path(log_path, digest)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeptShowError(f"cannot read the kept show {path}: {exc.strerror}") from exc
    record = show_from_json(text, str(path))
    if record.digest != digest:
        raise KeptShowError(f"{path}: holds the show {record.digest[:12]}..., not {digest[:12]}...")
    return record
