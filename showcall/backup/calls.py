"""Provides the link's commands, for stdin lines and the console alike: `takeover`, `handover`, `alone`.

* `takeover` (following console): become live. If the live console answers, it stands down first and says what
  it sent, so nothing is in doubt; if it is silent, once its lease has run out. `takeover fire` / `takeover
  skip` answer the question about sends in doubt after a take-over with `--takeover-policy ask`.
* `handover` (live console): stand down for the backup that follows (the backup goes live).
* `alone` (live console holding its sends because the backup stopped answering): go on without it.
"""

from __future__ import annotations

from collections.abc import Callable

from showcall.backup.node import LinkNode

LINK_CALLS: dict[str, Callable[[LinkNode, list[str]], str | None]] = {
    "takeover": lambda node, args: (
        node.takeover(args[0] if args else "")
        if len(args) <= 1
        else "takeover takes at most one argument (fire or skip)"
    ),
    "handover": lambda node, args: node.handover() if not args else "handover takes no arguments",
    "alone": lambda node, args: node.alone() if not args else "alone takes no arguments",
}
"""Each command: (node, arguments) -> None when done or under way, else why not (for a `refused` event)."""
