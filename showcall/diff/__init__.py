"""Provides show comparison: what changed between two shows, by department.

Used by `showcall diff`, and for "changed since the last run" in the console.

Everything compares loaded, validated and compiled shows, never text: packs expanded, includes
merged, every action as the device messages it compiles to. The modules:

- `record`: `ShowRecord`, a show as compiled, and its JSON (`show_to_json` / `show_from_json`);
- `compare`: `compare(old, new)` and `changes_since(previous, current)` -> `ShowDiff`;
- `cues`, `showparts`: the two halves of a comparison; `changes`: the result and its JSON shape;
- `render`: the result as 80-column text;
- `store`: the shows kept beside an event log (the only module here that touches files).

"Changed since the last run" in the console is wired in showcall/runner/lastrun.py (the session keeps each
run's show beside its log and names its digest in the `loaded` event).
"""

from __future__ import annotations

from showcall.diff.changes import CueChange, DeptChanges, FieldChange, ItemChange, SendChange, ShowDiff
from showcall.diff.compare import changes_since, compare
from showcall.diff.record import ShowRecord, record_show, show_from_json, show_to_json
from showcall.diff.render import render_text
from showcall.diff.store import keep_show, kept_path, read_kept

__all__ = [
    "CueChange",
    "DeptChanges",
    "FieldChange",
    "ItemChange",
    "SendChange",
    "ShowDiff",
    "ShowRecord",
    "changes_since",
    "compare",
    "keep_show",
    "kept_path",
    "read_kept",
    "record_show",
    "render_text",
    "show_from_json",
    "show_to_json",
]
