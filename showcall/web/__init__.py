"""Provides the crew's views in a browser: department cue lights with acknowledge, stage, presenter, caller.

`start_web(engine, WebOptions(...))` serves them on the running asyncio loop; `docs/web.md` shows them.
The views read the show only through the engine's snapshot and events, like the console.
"""

from __future__ import annotations
