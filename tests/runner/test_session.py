"""Opening a session: what was started is stopped again when a later step fails."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from showcall.errors import ShowcallError
from showcall.runner import session as session_module
from showcall.runner.session import SessionOptions, ShowSession

SHOW = """\
showcall: 1
show: {title: Session test}
devices:
  gfx: {driver: osc, host: 127.0.0.1, port: 9}
departments: {GFX: {name: Graphics}}
cues:
  - {id: "1", dept: GFX, actions: [{osc: {device: gfx, address: /a}}]}
"""


def _udp_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The simulators each open starts (the real ones, recorded)."""
    rigs: list[Any] = []
    real = session_module._start_simulators

    async def recording(plan: Any) -> Any:
        rig = await real(plan)
        rigs.append(rig)
        return rig

    monkeypatch.setattr(session_module, "_start_simulators", recording)
    return rigs


async def test_a_log_that_cannot_be_written_leaves_no_simulator_running(tmp_path: Path, started: list[Any]) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    (tmp_path / "file").write_text("")
    with pytest.raises(ShowcallError, match="cannot write the event log"):
        await ShowSession.open(show, SessionOptions(sim=True, log_path=tmp_path / "file" / "run.jsonl"))
    (rig,) = started
    port = rig.endpoints["gfx"].port
    assert _udp_port_free(port)  # the simulator that listened there was stopped


async def test_a_control_port_in_use_stops_everything_started_before_it(tmp_path: Path, started: list[Any]) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(SHOW)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        options = SessionOptions(
            sim=True, log_path=tmp_path / "run.jsonl", realtime=False, control_port=taken.getsockname()[1]
        )
        with pytest.raises(ShowcallError, match="cannot listen for control"):
            await ShowSession.open(show, options)
    (rig,) = started
    assert _udp_port_free(rig.endpoints["gfx"].port)
