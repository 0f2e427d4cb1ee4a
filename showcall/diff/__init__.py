"""Provides show comparison: what changed between two shows, by department.

Used by `showcall diff`, and for "changed since the last run" in the console.

Everything compares loaded, validated and compiled shows, never text: packs expanded, includes
merged, every action as the device messages it compiles to. The modules:

- `record`: `ShowRecord`, a show as compiled, and its JSON (`show_to_json` / `show_from_json`);
- `compare`: `compare(old, new)` and `changes_since(previous, current)` -> `ShowDiff`;
- `cues`, `showparts`: the two halves of a comparison; `changes`: the result and its JSON shape;
- `render`: the result as 80-column text;
- `store`: the shows kept beside an event log (the only module here that touches files).

Wiring "changed since the last run" into the console (issue 12, item 3), for whoever does it:

1. Load with `showcall.showfile.load_show` (the console uses `require_plan`, which drops the YAML
   sources) and make the record before a rehearsal points the devices at simulators:
   `record = record_show(loaded.plan, loaded.sources)`; `record.digest` is `plan_digest(plan)`.
2. Find the show of the last run in the same log: add `digest: str` to the `loaded` event
   (showcall.engine.events.Loaded) and take the last `loaded` event of the log being appended to.
3. `keep_show(log_path, record)` before the run's `loaded` event is written, so a log never names
   a show that was not kept.
4. When the last run's digest differs: `previous = read_kept(log_path, last_digest)` (None when
   that run predates kept shows: say nothing), `diff = changes_since(previous, record)`, banner
   `diff.summary("since the last run")` ("12 cues changed since the last run"), and the list from
   `diff.departments` (or `render_text`). A damaged kept show raises KeptShowError: show its text.
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
