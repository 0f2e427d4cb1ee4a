"""Provides `FollowerPart`: a linked console's side of following the live one (a part of `LinkNode`, node.py).

What it hears from the live console: its heartbeats (acknowledged, and what arms this console to take over
by itself), its events (converted to this machine's clock and taken by the engine as its own), the show so
far (`sync`), its word that it is live, and what its timing core tells this console of each send
(timing/mirror.py). And when to take over: the live console silent for the heartbeat window, or its showcall
gone (its connection closed without a word and its port refusing).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import TYPE_CHECKING, Any

from showcall.backup import wire
from showcall.backup.options import MATCH_NS, STAND_DOWN_WAIT_NS, ms_text, now_ns
from showcall.backup.peer import PeerConnection
from showcall.backup.status import Role
from showcall.engine import events as ev
from showcall.timing.api import SendItem
from showcall.timing.mirror import decode_sends

if TYPE_CHECKING:
    from showcall.backup.options import LinkOptions
    from showcall.engine.engine import Engine

GONE_GRACE_NS = 50_000_000
"""After the main's showcall is found gone, how long to wait for what its timing core may still have been
sending as the process was torn down (told straight to this console: timing/mirror.py)."""
TIME_FIELDS = ("mono_ns", "fire_ns", "due_ns", "sent_ns")


class FollowerPart:
    """The following side of a linked console (see module docstring)."""

    if TYPE_CHECKING:  # LinkNode's state these methods work on (node.py makes it)
        engine: Engine
        options: LinkOptions
        role: Role
        term: int
        note: str
        conn: PeerConnection | None
        _leader: PeerConnection | None
        _last_leader: PeerConnection | None
        _heard_ns: int | None
        _fence_ns: int | None
        _armed: bool
        _sync_left: int
        _lag_ns: int | None
        _gone_ns: int | None
        _gone_error_ns: int
        _gone_takeover_at: int | None
        _takeover_at: int | None
        _asked_ns: int | None
        _wait_until: int
        _started: bool
        _standing_down_since: int | None
        _mirrored: deque[list[Any]]

        def _say(
            self, what: str, detail: str, *, peer: str = "", doubts: tuple[tuple[str, str, int], ...] = ()
        ) -> None: ...
        def _take_over(self, reason: str, doubt_until_ns: int | None, *, sync: bool = True) -> None: ...
        def _stand_down(self, reason: str, *, streaming: bool = True) -> None: ...

    def _refused(self) -> None:
        """The live console's connection ended without a bye and its port now refuses: its showcall is gone,
        and its timing core with it. Take over now; only sends due before it went are in doubt."""
        if (
            self.role is Role.FOLLOWING
            and self._armed
            and self._gone_ns is not None
            and self._leader is None
            and self._gone_takeover_at is None
        ):
            self._gone_takeover_at = now_ns() + GONE_GRACE_NS

    def _follow_tick(self, now: int) -> None:
        window = self.options.timeout_ns
        heard = self._heard_ns
        if self._gone_takeover_at is not None and now >= self._gone_takeover_at and self._gone_ns is not None:
            # its core sends nothing once its console is gone (core.py), and told this console of what it sent
            # until then: only a send due by now that it did not tell of, give or take the clock, is in doubt
            gone = now + self._gone_error_ns
            doubt = min(gone, self._fence_ns) if self._fence_ns is not None else gone
            self._take_over("the main's showcall is gone (its connection closed, its port refuses)", doubt)
        elif self.role is Role.FOLLOWING and self._armed and heard is not None and now - heard >= window:
            self._take_over(f"nothing from the main for {(now - heard) / 1e9:.2f} s", self._silence_doubt(heard))
        elif self._takeover_at is not None and now >= self._takeover_at:
            self._take_over("by hand: the main is silent", self._silence_doubt(heard) if heard else None)
        if self._asked_ns is not None and now - self._asked_ns > STAND_DOWN_WAIT_NS + 2 * window:
            self._asked_ns = None
            self._say("refused", "the main did not stand down: this console stays the backup")
        if self.role is Role.WAITING and self.options.side == "main" and now >= self._wait_until:
            peer = self.conn.info if self.conn is not None and self.conn.ready else None
            if peer is not None and peer.started and peer.role != Role.LIVE:
                if self.note != "the backup holds the show":
                    self.note = "the backup holds the show"
                    self._say("waiting", "the backup holds the show's state and is not live: take over on one of them")
            elif peer is None or peer.role != Role.LIVE:
                self._take_over("no live backup answered" if peer is None else "the backup joined", None)

    def _silence_doubt(self, heard: int) -> int:
        """The latest a silent live console may still have sent: the end of its lease, here."""
        return self._fence_ns if self._fence_ns is not None else heard + self.options.lease_ns

    def _beat(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        if conn is not self._leader or self.role is not Role.FOLLOWING:
            return
        now = now_ns()
        self._heard_ns = now
        self._fence_ns = conn.clock.to_local(int(line["at"])) + int(line["lease"])
        if bool(line["fenced"]) and not self._armed:
            self._armed = True
            self._say("armed", "the main holds a lease: this console takes over by itself if it falls silent")
        conn.send(wire.ACK, n=line["n"])

    def _event(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        record = line["e"]
        if not isinstance(record, dict):
            raise ValueError("an event that is not an object")
        event = ev.from_dict(record)
        if event is None:
            return
        if conn is not self._leader or self.role is not Role.FOLLOWING:
            if self.role is Role.LIVE and isinstance(event, ev.SentEvent):  # it was live too, for a while
                self._say("peer_sent", f"the other console also sent cue {event.cue} to {event.device}")
            return
        local = self._local(event, conn)
        self.engine.follow(local)
        now = now_ns()
        self._heard_ns = now
        if self._sync_left:
            self._sync_left -= 1
            if not self._sync_left:
                self._say("synced", f"following the main (clock offset ±{ms_text(conn.clock.error_bound_ns)})")
        else:
            self._lag_ns = now - local.mono_ns

    @staticmethod
    def _local(event: ev.Event, conn: PeerConnection) -> ev.Event:
        """The event with its times on this machine's clock."""
        changes = {
            name: conn.clock.to_local(value)
            for name in TIME_FIELDS
            if isinstance(value := getattr(event, name, None), int)
        }
        return dataclasses.replace(event, **changes)

    def _peer_live(self, conn: PeerConnection, term: int, sync: bool) -> None:
        if self.role is Role.LIVE or self._standing_down_since is not None:
            mine = (self.term, conn.listening)  # a tie goes to the console that listens (the main)
            if (term, not conn.listening) <= mine and self._standing_down_since is None:
                return  # it will yield to this console's own `live`
            if self.role is Role.LIVE:
                self._stand_down(f"the other console is live with term {term}", streaming=False)
        self._leader = conn
        self._last_leader = conn
        self.role = Role.FOLLOWING
        self.term = max(self.term, term)
        self._armed = False
        self._gone_takeover_at = None
        self._takeover_at = None
        self._asked_ns = None
        self._gone_ns = None
        self._heard_ns = now_ns()
        self._fence_ns = None
        self._say("following", f"{conn.address} is live (term {term})")

    def _sync(self, conn: PeerConnection, n: int) -> None:
        if conn is not self._leader:
            return
        if self._started:  # this console's own record of the show may differ: the live one's replaces it
            self._say("resync", f"the show here is replaced by the live console's ({n} events)")
            self.engine.follow(ev.Reset(now_ns()))
        self._sync_left = n
        if not n:
            self._say("synced", "following the main (nothing has happened yet)")

    def _on_mirror(self, datagram: bytes) -> None:
        leader = self._leader or self._last_leader
        if leader is None or not leader.mirror_key or self.role is Role.LIVE:
            return  # live, this console decided already
        sends = decode_sends(leader.mirror_key, datagram)
        for cue, device, due, at in sends or ():
            self._mirrored.append([cue, device, leader.clock.to_local(due), leader.clock.to_local(at), False])

    def _sent_elsewhere(self, item: SendItem) -> int | None:
        """When the other console's core said it sent `item` (this clock), or None: matched on cue, device and
        due time (each converted through the clock offset), each report used once."""
        best: list[Any] | None = None
        for record in self._mirrored:
            cue, device, due, _, used = record
            if used or cue != item.cue or device != item.device or abs(due - item.deadline_ns) > MATCH_NS:
                continue
            if best is None or abs(due - item.deadline_ns) < abs(best[2] - item.deadline_ns):
                best = record
        if best is None:
            return None
        best[4] = True
        return int(best[3])
