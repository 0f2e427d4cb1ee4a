"""Provides `FeedbackDecoder`: what a device's feedback packets mean, read through its profile's `feedback:` specs.

A spec's address is a pattern: `{name}` captures one part of the address, `{name*}` the rest of it
(`/reply/{address*}` takes `cue/12/start` from `/reply/cue/12/start`). Each matching message becomes a
`DeviceReport` with a short human `detail` ("active cue 1/12 (45%)", "ch 03 muted", "reply /go ok").
Malformed packets and messages that no spec matches are counted per device, never raised.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from showcall.compile.plan import Plan
from showcall.devices.oscmsg import MalformedOscError, OscIn, decode_osc, format_arg
from showcall.model.profile import FeedbackSpec, Profile

__all__ = ["DeviceReport", "FeedbackDecoder", "FeedbackPattern", "FeedbackStats", "x32_fader_db"]

ROUTINE_REPORTS = frozenset({"heartbeat", "ping"})
"""Reports that only say the device is alive: a view may show them, an event log need not keep each one."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}")


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """One thing a device said: `report` is the spec's name (active_cue, mute, reply, ...).

    `fields` are the parts captured from the address, `args` the message's arguments, `value` the
    report's meaning as data (the fraction complete, True for muted, the reply's JSON object), and
    `routine` is True for liveness signals (heartbeat, ping) that carry no news.
    """

    device: str
    report: str
    address: str
    fields: Mapping[str, str]
    args: tuple[Any, ...]
    detail: str
    value: Any = None
    routine: bool = False


@dataclass
class FeedbackStats:
    """Counters for one device's feedback."""

    packets: int = 0
    reports: int = 0
    malformed: int = 0
    unmatched: int = 0
    last_error: str = ""


class FeedbackPattern:
    """A compiled `feedback:` spec: matches an address and returns the captured parts."""

    def __init__(self, spec: FeedbackSpec) -> None:
        self.spec = spec
        self.names: list[str] = []
        parts: list[str] = []
        last = 0
        for found in _PLACEHOLDER.finditer(spec.address):
            parts.append(re.escape(spec.address[last : found.start()]))
            # Groups are numbered, not named after the placeholders, so any name (even a repeated one) compiles.
            parts.append("(.+)" if found.group(2) else "([^/]+)")
            self.names.append(found.group(1))
            last = found.end()
        parts.append(re.escape(spec.address[last:]))
        self._regex = re.compile("".join(parts))

    def match(self, address: str) -> dict[str, str] | None:
        """The captured parts when `address` matches the whole pattern, else None."""
        found = self._regex.fullmatch(address)
        if found is None:
            return None
        return dict(zip(self.names, found.groups(), strict=True))


class FeedbackDecoder:
    """Decodes feedback packets per device (see module docstring).

    Build it from a Plan (each device's profile) or from a mapping of device name to Profile.
    """

    def __init__(self, devices: Plan | Mapping[str, Profile]) -> None:
        profiles = {name: d.profile for name, d in devices.devices.items()} if isinstance(devices, Plan) else devices
        self._drivers = {name: profile.driver for name, profile in profiles.items()}
        self._patterns = {name: [FeedbackPattern(s) for s in profile.feedback] for name, profile in profiles.items()}
        self._stats: dict[str, FeedbackStats] = {name: FeedbackStats() for name in profiles}

    def decode(self, device: str, packet: bytes) -> list[DeviceReport]:
        """Every report in `packet` from `device` (a bundle may hold several); [] when none applies."""
        stats = self._stats.setdefault(device, FeedbackStats())
        stats.packets += 1
        patterns = self._patterns.get(device)
        if not patterns:
            stats.unmatched += 1  # an unknown device, or a profile that declares no feedback
            return []
        try:
            messages = decode_osc(packet)
        except MalformedOscError as exc:
            stats.malformed += 1
            stats.last_error = exc.reason
            return []
        reports: list[DeviceReport] = []
        for message in messages:
            report = self._report(device, patterns, message)
            if report is None:
                stats.unmatched += 1
            else:
                reports.append(report)
        stats.reports += len(reports)
        return reports

    def statistics(self) -> dict[str, FeedbackStats]:
        """A copy of the counters, by device."""
        return {name: replace(stats) for name, stats in self._stats.items()}

    def _report(self, device: str, patterns: list[FeedbackPattern], message: OscIn) -> DeviceReport | None:
        for pattern in patterns:
            fields = pattern.match(message.address)
            if fields is None:
                continue
            name = pattern.spec.report
            describe = _DESCRIBE.get(name, _describe_other)
            detail, value = describe(_Said(name, fields, message.args, self._drivers.get(device, "")))
            return DeviceReport(
                device=device,
                report=name,
                address=message.address,
                fields=fields,
                args=message.args,
                detail=detail,
                value=value,
                routine=name in ROUTINE_REPORTS,
            )
        return None


@dataclass(frozen=True)
class _Said:
    report: str
    fields: dict[str, str]
    args: tuple[Any, ...]
    driver: str

    @property
    def number(self) -> float | None:
        """The first argument when it is a finite number (a NaN or an infinity from a device means nothing)."""
        first = self.args[0] if self.args else None
        if not isinstance(first, int | float) or isinstance(first, bool):
            return None
        number = float(first)
        return number if math.isfinite(number) else None


def _cue_text(said: _Said) -> str:
    cue = said.fields.get("cue", "?")
    return f"{said.fields['list']}/{cue}" if "list" in said.fields else cue


def _describe_active(said: _Said) -> tuple[str, Any]:
    if said.number is None:
        return f"active cue {_cue_text(said)}", None
    return f"active cue {_cue_text(said)} ({round(said.number * 100)}%)", said.number


def _describe_pending(said: _Said) -> tuple[str, Any]:
    return f"pending cue {_cue_text(said)}", None


def _channel(said: _Said) -> str:
    return f"ch {said.fields['channel']}" if "channel" in said.fields else "channel"


def _describe_mute(said: _Said) -> tuple[str, Any]:
    # The profile's mute feedback is the desk's on switch (X32 /ch/NN/mix/on): 0 means muted.
    if said.number is None:
        return f"{_channel(said)} mute (no value)", None
    muted = said.number == 0
    return f"{_channel(said)} {'muted' if muted else 'unmuted'}", muted


def x32_fader_db(level: float) -> float:
    """An X32 fader position 0..1 in dB (its four linear segments; 0.75 is 0 dB, 1.0 is +10 dB)."""
    if level >= 0.5:
        return level * 40 - 30
    if level >= 0.25:
        return level * 80 - 50
    if level >= 0.0625:
        return level * 160 - 70
    return level * 480 - 90 if level > 0 else -math.inf


def _describe_fader(said: _Said) -> tuple[str, Any]:
    if said.number is None:
        return f"{_channel(said)} fader (no value)", None
    text = f"{_channel(said)} fader {said.number:.2f}"
    if said.driver == "x32":
        db = x32_fader_db(said.number)
        # + 0.0 turns a rounded -0.0 into 0.0, so the desk's 0 dB position reads "+0.0 dB"
        text += " (-inf dB)" if db == -math.inf else f" ({round(db, 1) + 0.0:+.1f} dB)"
    return text, said.number


def _describe_reply(said: _Said) -> tuple[str, Any]:
    fallback = "/" + said.fields.get("address", "").lstrip("/")
    raw = said.args[0] if said.args else None
    if not isinstance(raw, str):
        return f"reply {fallback} (no JSON)", None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return f"reply {fallback} (not JSON)", None
    if not isinstance(body, dict):
        return f"reply {fallback} (not a JSON object)", body
    text = f"reply {body.get('address', fallback)} {body.get('status', '?')}"
    data = body.get("data")
    if data is not None:
        shown = json.dumps(data) if not isinstance(data, str) else data
        text += f": {shown if len(shown) <= 40 else shown[:39] + '…'}"
    return text, body


def _describe_routine(said: _Said) -> tuple[str, Any]:
    return ("ping answered" if said.report == "ping" else said.report), said.number


def _describe_other(said: _Said) -> tuple[str, Any]:
    parts = [said.report.replace("_", " ")]
    parts += [f"{name} {value}" for name, value in said.fields.items()]
    parts += [format_arg(arg) for arg in said.args]
    return " ".join(parts), said.number


_DESCRIBE: dict[str, Callable[[_Said], tuple[str, Any]]] = {
    "active_cue": _describe_active,
    "pending_cue": _describe_pending,
    "mute": _describe_mute,
    "fader": _describe_fader,
    "reply": _describe_reply,
    "heartbeat": _describe_routine,
    "ping": _describe_routine,
}
