"""Provides `record_crash`: a bug's traceback written to a file, and the one line the user reads instead.

design.md promises that no Python traceback greets the user. A bug surfaces in one of two places, the
command line's last resort (cli.py) and the console's exception handler (tui/app.py); both hand it here,
so the file, its name and the words are the same whichever caught it.
"""

from __future__ import annotations

import tempfile
import traceback
from dataclasses import dataclass

__all__ = ["CRASH_EXIT", "CrashReport", "record_crash"]

CRASH_EXIT = 70
"""The exit status after an internal error (EX_SOFTWARE), as design.md §6 and cli.py say."""


@dataclass(frozen=True, slots=True)
class CrashReport:
    """Where the details went (None when no file could be written) and what to tell the user."""

    path: str | None
    message: str


def record_crash(error: BaseException, *, where: str = "") -> CrashReport:
    """Write `error`'s traceback to a new `showcall-crash-*.txt` in the temporary folder.

    `where` names the part that failed (`the console`). When the file cannot be written, the message
    carries the traceback itself rather than lose it.
    """
    details = "".join(traceback.format_exception(error))
    headline = f"showcall: internal error{f' in {where}' if where else ''}: {type(error).__name__}: {error}"
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix="showcall-crash-", suffix=".txt", delete=False, encoding="utf-8"
        ) as out:
            out.write(details)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return CrashReport(None, f"{headline}\n  the details could not be written to a file ({reason}):\n{details}")
    return CrashReport(out.name, f"{headline}\n  the details are in {out.name}; please report them")
