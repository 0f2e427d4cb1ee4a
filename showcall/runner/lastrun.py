"""Provides "changed since the last run": the show as loaded now against the show of the last run logged for it.

Each run keeps its show beside its log (showcall.diff.store: `shows/<digest>.json`, once per distinct show) and
names its digest in the `loaded` event. At the next run, the last `loaded` event of the log being appended to
(`--log PATH`), or else of the show's newest log, says which show ran last; when that differs from the show
now, the console says how many cues changed and lists them by department (issue 12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from showcall.diff import ShowDiff, ShowRecord, changes_since, keep_show, read_kept
from showcall.errors import KeptShowError

TAIL_BYTES = 4 << 20
"""How much of the end of a previous log is searched for its last `loaded` event: a run's own start is near the
end of the log unless that run was long; a longer one is read from the start."""


@dataclass(frozen=True)
class SinceLastRun:
    """What changed since the last run: `changes` is None on a first run, an unchanged show, or when the last
    run's show was not kept; `note` says why nothing could be compared when something went wrong."""

    changes: ShowDiff | None
    note: str = ""

    @property
    def banner(self) -> str:
        """`12 cues changed since the last run (d to list)`, or empty."""
        if self.changes is None or self.changes.equal:
            return ""
        return f"{self.changes.summary('since the last run')} (d to list)"


def last_digest(log: Path) -> str | None:
    """The `digest` of the last `loaded` event in the log at `log`, if any (a damaged line is passed over)."""
    if not log.is_file():  # a device as a log (--log /dev/full): reading it would never end
        return None
    try:
        with log.open("rb") as source:
            size = source.seek(0, 2)
            for start in (max(0, size - TAIL_BYTES), 0):
                source.seek(start)
                found = _last_loaded(source.read())
                if found is not None or start == 0:
                    return found
    except OSError:
        return None
    return None


def _last_loaded(data: bytes) -> str | None:
    for line in reversed(data.splitlines()):
        if b'"loaded"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "loaded":
            digest = event.get("digest")
            return digest if isinstance(digest, str) and digest else None
    return None


def since_last_run(record: ShowRecord, log_path: Path, previous_log: Path | None) -> SinceLastRun:
    """Keep `record` beside `log_path`, and compare it with the show of the last run in `previous_log`."""
    note = ""
    try:
        keep_show(log_path, record)
    except KeptShowError as exc:
        note = str(exc)  # the show goes on; only the next run's comparison is lost
    if previous_log is None:
        return SinceLastRun(None, note)
    digest = last_digest(previous_log)
    if digest is None or digest == record.digest:
        return SinceLastRun(None, note)
    try:
        previous = read_kept(previous_log, digest)
    except KeptShowError as exc:
        return SinceLastRun(None, str(exc))
    if previous is None:  # a run from before shows were kept
        return SinceLastRun(None, note)
    return SinceLastRun(changes_since(previous, record), note)
