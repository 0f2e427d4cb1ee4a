"""Provides `another_show`: what differs between the main's show and this console's, when the main refused it.

The main refuses a backup whose compiled show (its digest) differs, and sends its own show as `showcall diff`
keeps one (showcall.diff.record); the backup lists the differences the way `showcall diff` does.
"""

from __future__ import annotations

from showcall.diff import compare, render_text, show_from_json
from showcall.errors import KeptShowError


def another_show(their_json: str, own_json: str) -> str:
    """The differences from the main's show to this one, as `showcall diff` prints them."""
    try:
        theirs = show_from_json(their_json, "the main's show")
        own = show_from_json(own_json, "this console's show")
    except KeptShowError as exc:  # another showcall version: the digest differs for that alone
        return f"(the differences cannot be listed: {exc})"
    return render_text(compare(theirs, own), "the main's show", "this console's show").rstrip("\n")
