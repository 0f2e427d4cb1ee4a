"""Host names are looked up when the show opens, in the console's process: the timing core gets numbers."""

from __future__ import annotations

from pathlib import Path

from showcall.compile.showfile import require_plan
from showcall.runner.session import _resolve_hosts


async def test_names_become_addresses_and_unknown_names_stay(tmp_path: Path) -> None:
    show = tmp_path / "show.yaml"
    show.write_text(
        "showcall: 1\nshow: {title: T}\ndevices:\n"
        "  a: {driver: osc, host: localhost, port: 9000}\n"
        "  b: {driver: osc, host: showcall-test.invalid, port: 9001}\n"
        "  c: {driver: osc, host: 10.0.0.5, port: 9002}\n"
        "departments: {LX: {}}\ncues: [{id: 1, dept: LX}]\n"
    )
    plan = await _resolve_hosts(require_plan(show))
    hosts = {name: device.endpoint.host for name, device in plan.devices.items()}
    assert hosts["a"] in {"127.0.0.1", "::1"}
    assert hosts["b"] == "showcall-test.invalid"  # shown offline with the reason by its output
    assert hosts["c"] == "10.0.0.5"
