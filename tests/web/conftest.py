"""Fixtures for the web views' tests: an engine on virtual time served on 127.0.0.1 by the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from showcall.web.access import WebOptions
from showcall.web.server import WebServer

from support.engines import Rig, rig

SHOW = """\
cues:
  - {id: "1", dept: LX, label: House to half, standby: Standby lights 1, actions: [{lx.fire: {cue: 1}}]}
  - {id: "2", dept: SND, label: Preshow out, go: {follow: 2s}, actions: [{snd.stop: {cue: PRE}}]}
  - {id: "3", dept: LX, label: House out, actions: [{lx.fire: {cue: 2}}]}
  - {id: "4", dept: SND, label: Opening music, actions: [{snd.start: {cue: "10"}}]}
"""

Serve = Callable[..., Coroutine[Any, Any, tuple[Rig, WebServer]]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """`await serve(**WebOptions fields)`: a started rig and its web server on a free port."""
    servers: list[WebServer] = []

    async def start(*, flush_gap_ns: int = 0, **options: Any) -> tuple[Rig, WebServer]:
        r = rig(tmp_path, SHOW)
        server = WebServer(r.engine, WebOptions(port=0, **options), flush_gap_ns=flush_gap_ns)
        await server.start()
        servers.append(server)
        return r, server

    yield start
    for server in servers:
        await server.aclose()
