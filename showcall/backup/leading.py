"""Provides `LeaderPart`: a linked console's side of being live (a part of `LinkNode`, node.py).

What it sends the console that follows it: its word that it is live, the show so far (`sync`), every event
of its engine, a heartbeat every tenth of the window; and what it does with the answers: every acknowledged
heartbeat moves the lease its timing core is fenced at (gate.py). Standing down, it says so once its core
has settled every send, listing what it sent since the other console's last word; and when the other
console stood down after being live too (a stall), it settles the sends in doubt here from that list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from showcall.backup import wire
from showcall.backup.gate import Doubt, Gate
from showcall.backup.options import MATCH_NS, now_ns
from showcall.backup.peer import PeerConnection
from showcall.backup.status import LinkEvent, Role
from showcall.engine import events as ev

if TYPE_CHECKING:
    from showcall.backup.options import LinkOptions

RECENT_MARGIN_NS = 1_000_000_000
"""A console standing down lists its sends since this long before the other console's last word."""
MIRRORED = frozenset(
    {"go", "sent", "send_failed", "complete", "failed", "standby", "hold", "resume", "panic", "reset", "ack", "device"}
    | {"end"}
)
"""The events a following engine applies (engine/follow.py); the others are the live machine's own news."""


class LeaderPart:
    """The live side of a linked console (see module docstring)."""

    if TYPE_CHECKING:  # LinkNode's state these methods work on (node.py makes it)
        gate: Gate
        options: LinkOptions
        role: Role
        term: int
        conn: PeerConnection | None
        history: list[bytes]
        _streaming: bool
        _attached: bool
        _beats: dict[int, int]
        _beat_n: int
        _next_beat: int
        _acked_ns: int | None
        _holding_said: bool
        _quit: bool
        _started: bool
        _standing_down_since: int | None

        def _say(
            self, what: str, detail: str, *, peer: str = "", doubts: tuple[tuple[str, str, int], ...] = ()
        ) -> None: ...

    def _lead_tick(self, now: int, conn: PeerConnection | None) -> None:
        if conn is not None and self._streaming and now >= self._next_beat:
            self._beat_n += 1
            self._beats[self._beat_n] = now
            conn.send(wire.BEAT, n=self._beat_n, at=now, fenced=self._attached, lease=self.options.lease_ns)
            self._next_beat = now + self.options.beat_ns
        if self.role is Role.LIVE and self._attached and self.gate.holding and not self._holding_said:
            self._holding_said = True
            self._say("holding", "the backup stopped answering: sends are held back (`alone` goes on without it)")

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, LinkEvent):
            return
        if isinstance(event, ev.Go):
            self._started = True
        if isinstance(event, ev.End) and event.reason != "complete" and self.role is Role.LIVE:
            self._quit = True
            if self.conn is not None and self.conn.ready:
                self.conn.send(wire.BYE, reason=event.reason)
        if event.name not in MIRRORED:
            return
        line = wire.encode(wire.EVENT, e=event.to_dict())
        if isinstance(event, ev.Reset):
            self.history.clear()
            self._started = False
        else:
            self.history.append(line)
        if self._streaming and self.conn is not None:
            self.conn.send_raw(line)

    def _offer(self, conn: PeerConnection, *, sync: bool) -> None:
        """Say `live` to the peer and send it the show so far; from now on it gets every event."""
        conn.send(wire.LIVE, term=self.term, sync=sync)
        if sync:
            conn.send(wire.SYNC, n=len(self.history))
            for line in self.history:
                conn.send_raw(line)
        self._streaming = True
        self._attached = False
        self._next_beat = 0

    def _ack(self, conn: PeerConnection, n: int) -> None:
        if self.role is not Role.LIVE or not self._streaming or conn is not self.conn:
            return
        sent = self._beats.pop(n, None)
        for older in [k for k in self._beats if k < n]:
            del self._beats[older]
        if sent is None:
            return
        self._acked_ns = now_ns()
        if not self._attached:
            self._attached = True
            if conn.info is not None and conn.info.mirror_port:
                self.gate.set_mirror((conn.host, conn.info.mirror_port), conn.mirror_key)
            self._say("attached", "the backup follows: this console's sends are leased to its answers")
        self._holding_said = False
        self.gate.lease(sent + self.options.lease_ns)

    def _settle_doubts(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        """The other console was live too for a while (a stall) and has stood down: it says what it sent since
        its last word. Sends in doubt here that it made are not sent again; those it did not make go now."""
        to_local = conn.clock.to_local
        reported = [(str(c), str(d), to_local(int(due)), to_local(int(at))) for c, d, due, at in line.get("sent", [])]
        unsure = [(str(c), str(d), to_local(int(due))) for c, d, due in line.get("unconfirmed", [])]
        used: set[int] = set()

        def match(doubt: Doubt) -> int | None:
            near = [
                (abs(due - doubt.due_ns), k)
                for k, (cue, device, due, _) in enumerate(reported)
                if k not in used and cue == doubt.cue and device == doubt.device and abs(due - doubt.due_ns) <= MATCH_NS
            ]
            if not near:
                return None
            used.add(min(near)[1])
            return min(near)[1]

        elsewhere: dict[int, int] = {}
        send: list[int] = []
        for doubt in self.gate.doubts():
            k = match(doubt)
            if k is not None:
                elsewhere[doubt.item_id] = reported[k][3]
            elif not any(c == doubt.cue and abs(due - doubt.due_ns) <= MATCH_NS for c, _, due in unsure):
                send.append(doubt.item_id)
        twice = [d for d in self.gate.fired_doubts if match(d) is not None]
        self.gate.fired_doubts = ()
        self.gate.resolve(elsewhere, send)
        self._say(
            "settled",
            f"the other console stood down and said what it sent: of the sends in doubt, {len(elsewhere)} went "
            f"from it (not sent again) and {len(send)} had not (sent now)"
            + (f"; sent by both: {', '.join(f'cue {d.cue} to {d.device}' for d in twice)}" if twice else ""),
        )

    def _stood_down(self, conn: PeerConnection | None) -> None:
        self._standing_down_since = None
        unconfirmed = self.gate.unconfirmed()
        if conn is not None:
            listed = [[d.cue, d.device, d.due_ns] for d in unconfirmed]
            since = (self._acked_ns or 0) - RECENT_MARGIN_NS  # what the other console may not have heard of
            sent = [[cue, device, due, at] for cue, device, due, at in self.gate.recent if at >= since]
            conn.send(wire.STOOD_DOWN, term=self.term, unconfirmed=listed, sent=sent)
        self._streaming = False
        self.gate.release_devices()
        self._say(
            "stood_down",
            "nothing more leaves this console"
            + (f"; {len(unconfirmed)} sends unconfirmed by the core" if unconfirmed else ""),
        )
