"""Provides the package's exception tree.

```
ShowcallError                        every error showcall raises on purpose
├── ShowFileError                    a show or profile file cannot be used; carries every Problem found
│   └── ProfileError                 a device profile is broken (raised while loading drivers/)
├── DeviceError                      a device cannot be reached or opened (name, reason)
│   ├── DeviceDownError              a send on an output that is not connected (transports.base)
│   │   └── MidiPortUnavailableError  (also a MidiUnavailableError) a named MIDI port cannot open
│   └── MidiUnavailableError         the machine has no MIDI system, or the named port does not exist
├── TimingCoreError                  the timing core process failed or is unreachable
├── LogError                         the event log cannot be written or read (engine.log)
├── KeptShowError                    a show kept beside a log cannot be read or written (diff.record, diff.store)
├── MscError, MtcError               bad MIDI Show Control / MIDI timecode data (also ValueError)
├── MidiPayloadError                 bytes that are not exactly one MIDI message (also ValueError)
└── MalformedOscError                bytes that are not an OSC message (devices.oscmsg; also ValueError)
```

Foreign exceptions (yaml, pydantic, OSError, mido) are translated at the boundary and chained with `from exc`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in a show file: `path:line:col: where: message`.

    Lines and columns count from 1, as editors show them.
    """

    path: str
    line: int
    col: int
    where: str
    message: str
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.path}:{self.line}:{self.col}:{where} {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The problem as plain data, for `--json`."""
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "where": self.where,
            "message": self.message,
            "severity": self.severity,
        }


class ShowcallError(Exception):
    """Base of every error showcall raises on purpose."""


class ShowFileError(ShowcallError):
    """A show file (or a file it includes) cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        first = str(self.problems[0]) if self.problems else "no problems recorded"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class ProfileError(ShowFileError):
    """A device profile in drivers/ is broken."""


class DeviceError(ShowcallError):
    """A device cannot be reached or opened."""

    def __init__(self, device: str, reason: str) -> None:
        self.device = device
        self.reason = reason
        super().__init__(f"device {device}: {reason}")


class MidiUnavailableError(DeviceError):
    """No MIDI system on this machine, or the named MIDI port does not exist."""


class KeptShowError(ShowcallError):
    """A copy of a show kept beside an event log (showcall.diff.store) cannot be read or written."""


class TimingCoreError(ShowcallError):
    """The timing core process failed to start, died, or stopped answering."""
