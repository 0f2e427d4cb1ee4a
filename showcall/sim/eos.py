"""Provides the ETC Eos simulator: active and pending cue with their /eos/out feedback, GO/stop/back, ping.

Feedback goes to every connected client (TCP), or to the recent senders (UDP: a real Eos sends to the
address set in its settings; a rehearsal has none, so it answers whoever talks to it). A fired cue is
reported at once with fraction 0.0, then about once a second until its fade (`fade_s`) completes at 1.0.
The pending cue is the next cue of the same list among the cues it knows: those given (the rig passes
every cue the show fires) and those fired since it started. Like the console, it hangs up on a TCP client
that sends an invalid packet.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from typing import Any

from showcall.compile.plan import Plan
from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator, plan_osc_messages
from showcall.sim.listeners import Peer

__all__ = ["EosSimulator", "cue_key"]

DEFAULT_FADE_S = 5.0  # an Eos cue with no time of its own fades in the show's default, 5 s out of the box
_CUE = re.compile(r"\d{1,4}(\.\d{1,3})?")
_FIRE = re.compile(r"/eos/cue/(?:(\d{1,3})/)?([^/]+)/fire")
_MACRO = re.compile(r"/eos/macro/(\d+)/fire")
_SUB = re.compile(r"/eos/sub/(\d+)")

Cue = tuple[str, str]


def cue_key(number: str) -> tuple[int, int]:
    """Sort key for an Eos cue number ('12' < '12.5' < '13'): whole part, then thousandths."""
    whole, _, part = number.partition(".")
    return int(whole), int((part + "000")[:3])


class EosSimulator(OscSimulator):
    """An Eos console's playback as seen over OSC (see module docstring)."""

    driver = "eos"
    keeps = (
        "active/pending cue per list with /eos/out/active|pending/cue feedback, GO/stop/back keys, "
        "/eos/ping answered, subs, macros, command line; hangs up on an invalid TCP packet"
    )

    def __init__(
        self,
        *args: Any,
        cues: Mapping[str, Iterable[str]] | None = None,
        fade_s: float = DEFAULT_FADE_S,
        progress_every_s: float = 1.0,
        hang_up_on_malformed: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.known: dict[str, set[str]] = {lst: set(numbers) for lst, numbers in (cues or {}).items()}
        self.fade_s = fade_s
        self.progress_every_s = progress_every_s
        self.hang_up_on_malformed = hang_up_on_malformed
        self.active: Cue | None = None
        self.pending: Cue | None = self._first("1")
        self.fraction = 0.0
        self.stopped = False
        self.subs: dict[int, float] = {}
        self.last_macro: int | None = None
        self.command_line = ""
        self._fade: asyncio.TimerHandle | None = None
        self._fade_started = 0.0

    @classmethod
    def plan_options(cls, plan: Plan, device: str) -> dict[str, Any]:
        """The cues the show fires on this console, by list, so GO and the pending cue follow the show."""
        cues: dict[str, set[str]] = {}
        for message in plan_osc_messages(plan, device):
            fire = _FIRE.fullmatch(message.address)
            if fire is not None and _CUE.fullmatch(fire.group(2)):
                cues.setdefault(fire.group(1) or "1", set()).add(fire.group(2))
        return {"cues": cues}

    def state(self) -> dict[str, Any]:
        """Active and pending cue, fade progress, subs, last macro, command line."""
        return {
            "active": "/".join(self.active) if self.active else None,
            "pending": "/".join(self.pending) if self.pending else None,
            "fraction": round(self.fraction, 3),
            "stopped": self.stopped,
            "subs": {str(n): level for n, level in sorted(self.subs.items())},
            "last_macro": self.last_macro,
            "command_line": self.command_line,
        }

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act as the console does on its OSC input."""
        address, args = message.address, message.args
        if address == "/eos/ping":
            self.send_osc(peer, "/eos/out/ping", *args)
            return True
        if address == "/eos/key/go_0":
            if _pressed(args):
                self._go()
            return True  # 0.0 is the key coming up again
        if address == "/eos/key/stop":
            if _pressed(args):
                self._stop()
            return True
        if address == "/eos/key/back":
            if _pressed(args):
                self._back()
            return True
        if address in ("/eos/newcmd", "/eos/cmd"):
            text = "".join(str(arg) for arg in args)
            self._command(text, fresh=address == "/eos/newcmd")
            return True
        fire = _FIRE.fullmatch(address)
        if fire is not None and _CUE.fullmatch(fire.group(2)) and _pressed(args):
            self._fire((fire.group(1) or "1", fire.group(2)))
            return True
        macro = _MACRO.fullmatch(address)
        if macro is not None:
            self.last_macro = int(macro.group(1))
            self._changed(f"macro {self.last_macro} fired")
            return True
        sub = _SUB.fullmatch(address)
        if sub is not None and len(args) == 1 and isinstance(args[0], int | float):
            self.subs[int(sub.group(1))] = float(args[0])
            self._changed(f"sub {sub.group(1)} at {float(args[0]):.2f}")
            return True
        return False

    def _on_malformed(self, peer: Peer) -> None:
        # Eos drops a TCP connection that sends an invalid packet; the rehearsal shows the same.
        if self.hang_up_on_malformed and self.listen.kind == "osc-tcp" and not peer.closed:
            peer.close()
            self._record("link", f"hung up on {peer.label} after an invalid packet, as Eos does", peer)

    def _stopping(self) -> None:
        if self._fade is not None:
            self._fade.cancel()
            self._fade = None

    # ---- playback ---------------------------------------------------------------------------------

    def _first(self, cue_list: str) -> Cue | None:
        numbers = self.known.get(cue_list)
        return (cue_list, min(numbers, key=cue_key)) if numbers else None

    def _neighbour(self, cue: Cue, step: int) -> Cue | None:
        numbers = sorted(self.known.get(cue[0], ()), key=cue_key)
        key = cue_key(cue[1])
        later = [n for n in numbers if (cue_key(n) > key if step > 0 else cue_key(n) < key)]
        if not later:
            return None
        return (cue[0], later[0] if step > 0 else later[-1])

    def _fire(self, cue: Cue) -> None:
        self.known.setdefault(cue[0], set()).add(cue[1])
        self.active, self.stopped = cue, False
        self.pending = self._neighbour(cue, +1)
        self._changed(f"active cue {cue[0]}/{cue[1]}" + (f", pending {'/'.join(self.pending)}" if self.pending else ""))
        if self.pending is not None:
            self.broadcast_osc(f"/eos/out/pending/cue/{self.pending[0]}/{self.pending[1]}")
        self._start_fade()

    def _go(self) -> None:
        if self.pending is None:
            self._changed("GO with no pending cue: nothing fired")
            return
        self._fire(self.pending)

    def _back(self) -> None:
        previous = self._neighbour(self.active, -1) if self.active else None
        if previous is None:
            self._changed("back: no previous cue")
            return
        self._fire(previous)

    def _stop(self) -> None:
        if self._fade is None:
            return
        self._fade.cancel()
        self._fade = None
        self.stopped = True
        self._changed(f"fade of cue {'/'.join(self.active or ('?', '?'))} stopped at {round(self.fraction * 100)}%")
        self._report_active()

    def _command(self, text: str, *, fresh: bool) -> None:
        self.command_line = text if fresh else self.command_line + text
        if self.command_line.rstrip().endswith("#"):
            self._changed(f"command line executed: {self.command_line.rstrip().rstrip('#').strip()}")
            self.command_line = ""
        else:
            self._changed(f"command line: {self.command_line}")

    # ---- fade progress ----------------------------------------------------------------------------

    def _start_fade(self) -> None:
        if self._fade is not None:
            self._fade.cancel()
            self._fade = None
        loop = asyncio.get_running_loop()
        self._fade_started = loop.time()
        self.fraction = 0.0 if self.fade_s > 0 else 1.0
        self._report_active()
        if self.fraction < 1.0:
            self._fade = loop.call_later(min(self.progress_every_s, self.fade_s), self._progress)

    def _progress(self) -> None:
        loop = asyncio.get_running_loop()
        elapsed = loop.time() - self._fade_started
        self.fraction = min(1.0, elapsed / self.fade_s)
        self._fade = None
        self._report_active()
        if self.fraction < 1.0:
            self._fade = loop.call_later(min(self.progress_every_s, self.fade_s - elapsed), self._progress)

    def _report_active(self) -> None:
        if self.active is not None:
            self.broadcast_osc(f"/eos/out/active/cue/{self.active[0]}/{self.active[1]}", self.fraction)


def _pressed(args: tuple[Any, ...]) -> bool:
    """A key or fire message acts with no argument or a non-zero one; 0.0 is the key's release."""
    return not args or not (isinstance(args[0], int | float) and args[0] == 0)
