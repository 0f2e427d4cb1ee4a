"""Provides the department handshake: the cue-light model of standby, acknowledge and GO.

Each department is idle, on standby (red flashing: a cue of theirs is in the next GO), acknowledged
(red steady: "standing by"), or GO (green: their cue just fired). A view renders these; the text
says it too, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from showcall.engine.snapshot import Light


@dataclass(frozen=True)
class DeptLight:
    """A department's light and the cue it is about."""

    dept: str
    light: Light
    cue: str | None


class Handshake:
    """The cue lights of every department."""

    def __init__(self, departments: list[str]) -> None:
        self._lights: dict[str, DeptLight] = {d: DeptLight(d, Light.IDLE, None) for d in departments}

    def standby(self, group: dict[str, str]) -> None:
        """The next GO involves `group` (department -> cue): put them on standby, keeping acknowledgements
        already given for the same cue; departments not in the group go idle unless showing GO."""
        for dept, light in list(self._lights.items()):
            cue = group.get(dept)
            if cue is None:
                if light.light is not Light.GO:
                    self._lights[dept] = DeptLight(dept, Light.IDLE, None)
            elif not (light.light is Light.ACKED and light.cue == cue):
                self._lights[dept] = DeptLight(dept, Light.STANDBY, cue)

    def ack(self, dept: str) -> str | None:
        """Department `dept` answered "standing by"; returns its cue, or None if it had no standby."""
        light = self._lights.get(dept)
        if light is None or light.light not in {Light.STANDBY, Light.ACKED} or light.cue is None:
            return None
        self._lights[dept] = DeptLight(dept, Light.ACKED, light.cue)
        return light.cue

    def went(self, dept: str, cue: str) -> None:
        """Department `dept`'s cue fired: green."""
        if dept in self._lights:
            self._lights[dept] = DeptLight(dept, Light.GO, cue)

    def clear(self) -> None:
        """Every light off (reset, panic)."""
        for dept in self._lights:
            self._lights[dept] = DeptLight(dept, Light.IDLE, None)

    def lights(self) -> list[DeptLight]:
        """Every department's light, in declaration order."""
        return list(self._lights.values())
