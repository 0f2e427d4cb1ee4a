"""Provides the QLab 5 simulator: playhead, running and paused cues, and `/reply/<address>` JSON answers.

Every message is answered with `/reply<address>` and the JSON QLab 5 sends:
`{"workspace_id", "address", "status": "ok" | "error", "data"?}` (`data` only for queries). A real QLab
answers actions only after `/alwaysReply 1`; the simulator answers them from the start so a rehearsal
shows every GO acknowledged (`/alwaysReply 0` turns that off).

Answers go back the way the message came: on a TCP stream, or for UDP to the sender's own address and
port, which is where the timing core's connected socket reads, and what lets several QLab simulators
share one machine. A real QLab answers UDP on port 53001 of the sender's host; `reply_port=53001`
(`showcall sim qlab --reply-port 53001`) does the same for scripts written against the real thing.

The workspace's cues: those given (the rig passes the cue numbers the show uses, in the order it first
uses them) plus any addressed since; GO starts the playhead cue and moves the playhead to the next one.
Cues run until stopped: the simulator knows no durations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from showcall.compile.plan import Plan
from showcall.devices.oscmsg import OscIn
from showcall.sim.base import OscSimulator, plan_osc_messages
from showcall.sim.listeners import Peer

__all__ = ["QlabSimulator"]

WORKSPACE_ID = "SHOWCALL-SIM"
_WORKSPACE = re.compile(r"/workspace/[^/]+(/.*)")
_CUE = re.compile(r"/cue/([^/]+)/(start|stop|go|pause|resume|number)")
_PLAYHEAD = re.compile(r"/playhead/([^/]+)")


class QlabSimulator(OscSimulator):
    """A QLab 5 workspace as seen over OSC (see module docstring)."""

    driver = "qlab"
    keeps = (
        "playhead, running and paused cues; answers every message with /reply/<address> JSON "
        "(to the sender's port; --reply-port 53001 as real QLab)"
    )

    def __init__(
        self,
        *args: Any,
        cues: Iterable[str] = (),
        reply_port: int | None = None,
        workspace_id: str = WORKSPACE_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cues: list[str] = list(dict.fromkeys(cues))
        self.reply_port = reply_port
        self.workspace_id = workspace_id
        self.always_reply = True
        self.playhead: str | None = self.cues[0] if self.cues else None
        self.running: list[str] = []
        self.paused: list[str] = []
        self.show_mode = False

    @classmethod
    def plan_options(cls, plan: Plan, device: str) -> dict[str, Any]:
        """The cue numbers the show addresses on this workspace, in the order it first uses them."""
        cues: list[str] = []
        for message in plan_osc_messages(plan, device):
            found = _CUE.fullmatch(message.address) or _PLAYHEAD.fullmatch(message.address)
            if found is not None and found.group(1) not in ("next", "previous", "playhead"):
                cues.append(found.group(1))
        return {"cues": list(dict.fromkeys(cues))}

    def state(self) -> dict[str, Any]:
        """Playhead, running and paused cues, the cues it knows."""
        return {
            "playhead": self.playhead,
            "running": list(self.running),
            "paused": list(self.paused),
            "cues": list(self.cues),
            "show_mode": self.show_mode,
        }

    def on_message(self, message: OscIn, peer: Peer) -> bool:
        """Act on a workspace or cue message and answer it."""
        address = message.address
        inner = _WORKSPACE.fullmatch(address)
        command = inner.group(1) if inner else address
        handled, data, query = self._act(command, message.args)
        if query or self.always_reply or command == "/alwaysReply":
            self._reply(peer, address, "ok" if handled else "error", data if query else None)
        return handled

    def _reply(self, peer: Peer, address: str, status: str, data: Any) -> None:
        body: dict[str, Any] = {"workspace_id": self.workspace_id, "address": address, "status": status}
        if data is not None:
            body["data"] = data
        target = peer.reply_to(self.reply_port) if self.reply_port else peer
        self.send_osc(target, f"/reply{address}", json.dumps(body, separators=(",", ":")))

    def _act(self, command: str, args: tuple[Any, ...]) -> tuple[bool, Any, bool]:
        """(understood, data, is a query) for one command."""
        simple = {
            "/go": self._go,
            "/stop": self._stop_all,
            "/panic": self._stop_all,
            "/reset": self._reset,
            "/pause": self._pause_all,
            "/resume": self._resume_all,
        }
        if command in simple:
            simple[command]()
            return True, None, False
        if command == "/panicInTime":
            self._stop_all()
            return True, None, False
        if command in ("/runningCues", "/runningOrPausedCues"):
            cues = self.running + (self.paused if command == "/runningOrPausedCues" else [])
            return True, [{"number": n, "uniqueID": f"cue-{n}"} for n in cues], True
        if command == "/thump":
            return True, "thump", True
        if command == "/connect":
            return True, "ok", True
        if command == "/version":
            return True, "5 (showcall simulator)", True
        if command in ("/alwaysReply", "/showMode"):
            on = bool(args and args[0])
            if command == "/alwaysReply":
                self.always_reply = on
            else:
                self.show_mode = on
            return True, None, False
        if command == "/cue/playhead/number":
            return True, self.playhead or "", True
        playhead = _PLAYHEAD.fullmatch(command)
        if playhead is not None:
            return self._move_playhead(playhead.group(1)), None, False
        cue = _CUE.fullmatch(command)
        if cue is not None:
            return self._cue(cue.group(1), cue.group(2))
        return False, None, False

    # ---- workspace ----------------------------------------------------------------------------

    def _know(self, number: str) -> None:
        if number not in self.cues:
            self.cues.append(number)

    def _next_after(self, number: str) -> str | None:
        index = self.cues.index(number) + 1 if number in self.cues else len(self.cues)
        return self.cues[index] if index < len(self.cues) else None

    def _go(self) -> None:
        if self.playhead is None:
            self._changed("GO with no cue on the playhead: nothing started")
            return
        started = self.playhead
        self._start(started)
        self.playhead = self._next_after(started)
        self._changed(f"playhead on {self.playhead}" if self.playhead else "playhead at the end of the list")

    def _start(self, number: str) -> None:
        self._know(number)
        if number in self.paused:
            self.paused.remove(number)
        if number not in self.running:
            self.running.append(number)
        self._changed(f"cue {number} running")

    def _stop_all(self) -> None:
        if self.running or self.paused:
            self._changed(f"stopped {', '.join(self.running + self.paused)}")
        self.running.clear()
        self.paused.clear()

    def _reset(self) -> None:
        self._stop_all()
        self.playhead = self.cues[0] if self.cues else None
        self._changed(f"reset: playhead on {self.playhead}" if self.playhead else "reset")

    def _pause_all(self) -> None:
        self.paused += self.running
        self.running.clear()
        if self.paused:
            self._changed(f"paused {', '.join(self.paused)}")

    def _resume_all(self) -> None:
        self.running += self.paused
        self.paused.clear()
        if self.running:
            self._changed(f"running {', '.join(self.running)}")

    def _move_playhead(self, target: str) -> bool:
        if target in ("next", "previous"):
            if self.playhead is None or self.playhead not in self.cues:
                return False
            index = self.cues.index(self.playhead) + (1 if target == "next" else -1)
            if not 0 <= index < len(self.cues):
                return False
            target = self.cues[index]
        self._know(target)
        self.playhead = target
        self._changed(f"playhead on {target}")
        return True

    def _cue(self, number: str, action: str) -> tuple[bool, Any, bool]:
        if action == "number":
            return True, number, True
        if action == "start":
            self._start(number)
        elif action == "go":
            # /cue/N/go: as if the playhead were on N and GO was pressed.
            self._know(number)
            self.playhead = number
            self._go()
        elif action == "stop":
            if number in self.running or number in self.paused:
                self.running = [n for n in self.running if n != number]
                self.paused = [n for n in self.paused if n != number]
                self._changed(f"cue {number} stopped")
        elif action == "pause" and number in self.running:
            self.running.remove(number)
            self.paused.append(number)
            self._changed(f"cue {number} paused")
        elif action == "resume" and number in self.paused:
            self.paused.remove(number)
            self.running.append(number)
            self._changed(f"cue {number} running")
        return True, None, False
