"""Provides `LinkNode`: one console of a main/backup pair: its role, the link, and every take-over decision.

Every linked console's engine starts following (muted). Then (docs/backup.md has the whole story):

* The main waits `wait_ns` (1 s) for a backup that is live (a main restarted after a crash must not fire over
  it), then goes live: `Engine.take_over` from nothing is an ordinary start.
* A console that goes live, or is live when a peer connects, says `live`, sends the show so far (`sync`: the
  events since the last reset) and then every event as it happens, with a heartbeat (`beat`) every tenth of
  the heartbeat window. The follower applies the events (times converted through the clock offset, see
  clocks.py) and acknowledges each beat.
* The lease (gate.py): the first acknowledgement fences the live console's core at "beat sent + lease", moved
  on by every later one; only then do its beats say `fenced`, and only then is the follower *armed*: it takes
  over by itself when nothing has come from the live console for the heartbeat window. The lease is 100 ms
  shorter than the window, so a live console that is frozen or cut off has stopped sending before the
  follower starts: never both live.
* Take-over by silence: every send the live console may have made before its fence ended, and had not
  reported, is in doubt; `fire` sends those at once, `ask` waits for the operator. Take-over when the live
  console's process is gone (its connection closed without a `bye`, and its port refuses a new connection):
  at once, and only sends due before that moment are in doubt. Take-over by hand while the live console
  answers: it stands down first (nothing more leaves it, every send it made is reported), then says so
  (`stooddown`), so nothing is in doubt.
* A console that finds a live peer with a higher term (or the same term, when it dialed) stands down and
  follows it: a main that comes back finds the backup in charge and stays muted until told (`takeover`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from showcall.backup import wire
from showcall.backup.auth import Network
from showcall.backup.gate import Doubt, Gate
from showcall.backup.peer import Identity, PeerConnection
from showcall.backup.status import LinkEvent, LinkStatus, Role
from showcall.engine import events as ev
from showcall.engine.engine import Engine
from showcall.errors import ShowcallError
from showcall.timing.api import SendItem
from showcall.timing.mirror import decode_sends

MS = 1_000_000
TICK_S = 0.01
"""The node looks at its clocks every 10 ms: a take-over by silence comes at most this much after the window."""
STAND_DOWN_WAIT_NS = 1_000 * MS
"""How long a console standing down waits for its core to report every send before it says what is unconfirmed."""
MATCH_NS = 5 * MS
"""A send the other console reports and one in doubt here are the same when their due times (each converted
through the clock offset) are this close, for the same cue and device."""
RECENT_MARGIN_NS = 1_000 * MS
GONE_GRACE_NS = 50 * MS
"""After the main's showcall is found gone, how long to wait for what its timing core may still have been
sending as the process was torn down (told straight to this console: timing/mirror.py)."""
MIRRORED_KEPT = 8192
DIAL_EVERY_NS = 100 * MS
DIAL_TIMEOUT_S = 0.5
MIRRORED = frozenset(
    {"go", "sent", "send_failed", "complete", "failed", "standby", "hold", "resume", "panic", "reset", "ack", "device"}
    | {"end"}
)
"""The events a following engine applies (engine/follow.py); the others are the live machine's own news."""
TIME_FIELDS = ("mono_ns", "fire_ns", "due_ns", "sent_ns")


@dataclass(frozen=True)
class LinkOptions:
    """How a console is linked: `side` main (listens) or backup (dials), where, the passcode, who may connect,
    the heartbeat window, what to do with sends in doubt, and how long a main waits for a live backup."""

    side: str
    host: str
    port: int
    passcode: str
    allow: tuple[Network, ...]
    timeout_ns: int = 500 * MS
    policy: str = "ask"
    wait_ns: int = 1_000 * MS

    @property
    def beat_ns(self) -> int:
        """A heartbeat every tenth of the window."""
        return self.timeout_ns // 10

    @property
    def lease_ns(self) -> int:
        """The live console's lease: 100 ms short of the window (half of it, for a short window)."""
        return max(self.timeout_ns // 2, self.timeout_ns - 100 * MS)


def now_ns() -> int:
    """This machine's monotonic clock (the engine's and the timing core's)."""
    return time.monotonic_ns()


class LinkRefusedError(ShowcallError):
    """The other console refused this one (or this one it): wrong passcode, another show, another protocol."""


class LinkNode:
    """One console of a linked pair (see module docstring): `await open()` before the engine starts (the main
    binds its port; the backup dials and is told at once if it is refused), `begin()` once the engine has
    started (following), `await close()` when the run ends."""

    def __init__(
        self,
        engine: Engine,
        gate: Gate,
        options: LinkOptions,
        digest: str,
        *,
        show_json: Callable[[], str] | None = None,
    ) -> None:
        self.engine = engine
        self.gate = gate
        self.options = options
        self.identity = Identity(options.passcode, digest, options.allow)
        self._show_json = show_json
        self.role = Role.WAITING
        self.term = 0
        self.conn: PeerConnection | None = None
        self.history: list[bytes] = []  # this console's show events since the last reset, as link lines
        self.note = ""
        self.refusal = ""  # the last handshake refused, in words (the other show's differences are in their_show)
        self.their_show = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._tick_handle: asyncio.TimerHandle | None = None
        self._dialing = False
        self._dialed: PeerConnection | None = None
        self._dial_at = 0
        self._closed = False
        self._begun = False
        self._early: list[tuple[PeerConnection, dict[str, Any] | None]] = []  # before begin(): (conn, line or ready)
        self._started = False  # a GO happened here (or was followed): this console holds the show's state
        # live: the follower, the beats it answered, the lease
        self._streaming = False
        self._attached = False
        self._beats: dict[int, int] = {}
        self._beat_n = 0
        self._next_beat = 0
        self._acked_ns: int | None = None
        self._holding_said = False
        self._standing_down_since: int | None = None
        # following: the live console
        self._leader: PeerConnection | None = None
        self._heard_ns: int | None = None  # its last beat or event, here
        self._fence_ns: int | None = None  # when its lease ends at the latest, here
        self._armed = False
        self._sync_left = 0
        self._lag_ns: int | None = None
        self._gone_ns: int | None = None  # its connection ended without a bye, here
        self._gone_error_ns = 0  # the clock conversion's bound then
        self._gone_takeover_at: int | None = None
        self._last_leader: PeerConnection | None = None  # its key and clock, for what its core still tells
        self._mirrored: deque[list[Any]] = deque(maxlen=MIRRORED_KEPT)  # [cue, device, due, sent, used], here
        self._mirror_transport: asyncio.DatagramTransport | None = None
        self._mirror_port = 0
        self._quit = False
        self._takeover_at: int | None = None  # a take-over by hand waiting for the window to pass
        self._asked_ns: int | None = None  # a stand-down asked of the live console
        self._next_ping = 0
        self._ping_n = 0
        self._wait_until = 0
        engine.subscribe(self._on_event)

    # ---- life ---------------------------------------------------------------------------------

    async def open(self, first_answer_s: float = 2.0) -> None:
        """Main: bind the port (OSError when it cannot). Backup: dial the main and wait up to `first_answer_s`
        for its answer; LinkRefusedError when it refuses this console (unreachable is fine: it dials again)."""
        self._loop = asyncio.get_running_loop()
        transport, _ = await self._loop.create_datagram_endpoint(
            lambda: _MirrorIn(self._on_mirror), local_addr=("0.0.0.0", 0)
        )
        self._mirror_transport = transport
        self._mirror_port = int(transport.get_extra_info("sockname")[1])
        if self.options.side == "main":
            self._server = await self._loop.create_server(
                lambda: self._connection(listening=True), self.options.host, self.options.port, start_serving=False
            )
            return
        await self._dial()
        deadline = now_ns() + int(first_answer_s * 1e9)
        dialed = self._dialed
        while dialed is not None and not dialed.ready and not dialed.closed and now_ns() < deadline:
            await asyncio.sleep(0.01)
        if self.refusal:
            raise LinkRefusedError(self._refusal_text())

    def _refusal_text(self) -> str:
        """Why the other console refused this one; for another show, the differences (showcall.diff)."""
        if not self.their_show or self._show_json is None:
            return self.refusal
        from showcall.backup.differences import another_show

        return f"{self.refusal}\n{another_show(self.their_show, self._show_json())}"

    def begin(self) -> None:
        """The engine has started (following): accept, act on what the peer said so far, and start the clocks."""
        assert self._loop is not None, "open() first"
        self._begun = True
        self._wait_until = now_ns() + self.options.wait_ns
        if self._server is not None:
            self._loop.create_task(self._server.start_serving())
        early, self._early = self._early, []
        for conn, line in early:
            if conn.closed:
                continue
            if line is None:
                self._on_ready(conn)
            else:
                self._on_line(conn, line)
        self._tick_handle = self._loop.call_later(TICK_S, self._tick)

    @property
    def listen_port(self) -> int | None:
        """The port the main listens on (useful when it was 0)."""
        if self._server is None or not self._server.sockets:
            return None
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self, reason: str = "quit") -> None:
        """Say bye, close the link and stop listening."""
        self._closed = True
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        if self.conn is not None and self.conn.ready:
            self.conn.send(wire.BYE, reason=reason)
        if self.conn is not None:
            self.conn.close("this console quit")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._mirror_transport is not None:
            self._mirror_transport.close()

    def _connection(self, *, listening: bool) -> PeerConnection:
        return PeerConnection(
            listening=listening,
            me=self.identity,
            describe=self._describe,
            on_ready=self._on_ready,
            on_line=self._on_line,
            on_closed=self._on_closed,
            show_json=self._show_json,
        )

    def _describe(self) -> dict[str, Any]:
        return {"role": self.role.value, "term": self.term, "started": self._started, "mirror": self._mirror_port}

    async def _dial(self) -> None:
        if self._dialing or self._closed or self._loop is None:
            return
        self._dialing = True
        try:
            _, self._dialed = await asyncio.wait_for(
                self._loop.create_connection(
                    lambda: self._connection(listening=False), self.options.host, self.options.port
                ),
                DIAL_TIMEOUT_S,
            )
        except ConnectionRefusedError:
            self._refused()
        except (OSError, TimeoutError):
            pass  # unreachable for now: dialed again in a moment, and silence decides
        finally:
            self._dialing = False
            self._dial_at = now_ns() + DIAL_EVERY_NS

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

    # ---- the clock ----------------------------------------------------------------------------

    def _tick(self) -> None:
        if self._closed or self._loop is None:
            return
        self._tick_handle = self._loop.call_later(TICK_S, self._tick)
        now = now_ns()
        conn = self.conn if self.conn is not None and self.conn.ready and not self.conn.closed else None
        if conn is not None and now >= self._next_ping:
            self._ping_n += 1
            conn.send(wire.PING, n=self._ping_n, t1=now)
            self._next_ping = now + self.options.beat_ns
        if self.role is Role.LIVE or self._standing_down_since is not None:
            self._lead_tick(now, conn)
        if self._standing_down_since is not None and (
            self.gate.unsettled == 0 or now - self._standing_down_since > STAND_DOWN_WAIT_NS
        ):
            self._stood_down(conn)
        if self.role is not Role.LIVE:
            self._follow_tick(now)
        if self.options.side == "backup" and conn is None and now >= self._dial_at and not self._dialing:
            self._loop.create_task(self._dial())

    def _lead_tick(self, now: int, conn: PeerConnection | None) -> None:
        if conn is not None and self._streaming and now >= self._next_beat:
            self._beat_n += 1
            self._beats[self._beat_n] = now
            conn.send(wire.BEAT, n=self._beat_n, at=now, fenced=self._attached, lease=self.options.lease_ns)
            self._next_beat = now + self.options.beat_ns
        if self.role is Role.LIVE and self._attached and self.gate.holding and not self._holding_said:
            self._holding_said = True
            self._say("holding", "the backup stopped answering: sends are held back (`alone` goes on without it)")

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

    # ---- the engine's events ------------------------------------------------------------------

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

    # ---- the link -----------------------------------------------------------------------------

    def _on_ready(self, conn: PeerConnection) -> None:
        if not self._begun:
            self.conn = conn
            self._early.append((conn, None))
            return
        current = self.conn
        if current is not None and current is not conn and current.ready and not current.closed:
            conn.refuse("this console is already linked to another")
            return
        self.conn = conn
        self.refusal = ""
        info = conn.info
        assert info is not None
        self._say("connected", f"{conn.address}: {info.role}, term {info.term}")
        if self.role is Role.LIVE:
            self._offer(conn, sync=True)
        elif self.role is Role.WAITING and conn.listening and not info.started and info.role != Role.LIVE:
            self._take_over("the backup joined", None)

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

    def _on_closed(self, conn: PeerConnection, reason: str) -> None:
        if not self._begun and not conn.ready:
            self.refusal, self.their_show = conn.refusal, conn.their_show
            return
        if conn is not self.conn:
            if not conn.ready and conn.refusal:
                self.refusal, self.their_show = conn.refusal, conn.their_show
                self._say("refused", conn.refusal, peer=conn.address)
            return
        self.conn = None
        self._streaming = False
        now = now_ns()
        if self._leader is conn:
            self._leader = None
            self._last_leader = conn
            if not self._quit:
                self._gone_ns = now
                self._gone_error_ns = conn.clock.error_bound_ns or 0
                self._dial_at = now  # dial at once: a port that refuses means its showcall is gone
            self._say("lost", f"the main: {reason}", peer=conn.address)
        elif self.role is Role.LIVE and self._attached:
            self._attached = False
            self.gate.set_mirror(None)
            if conn.peer_closed:
                self.gate.lease(None)  # its process is gone: it cannot be live; the show goes on here
                self._say("lost", f"the backup went away ({reason}): going on alone", peer=conn.address)
            else:
                self._say("lost", f"the backup: {reason}; sends held back until it answers", peer=conn.address)
        else:
            self._say("lost", reason, peer=conn.address)

    def _on_line(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        if not self._begun:
            self._early.append((conn, line))
            return
        kind = line["t"]
        if kind == wire.PING:
            now = now_ns()
            conn.send(wire.PONG, n=line["n"], t1=int(line["t1"]), t2=now, t3=now_ns())
        elif kind == wire.PONG:
            conn.clock.add(int(line["t1"]), int(line["t2"]), int(line["t3"]), now_ns())
        elif kind == wire.EVENT:
            self._event(conn, line)
        elif kind == wire.BEAT:
            self._beat(conn, line)
        elif kind == wire.ACK:
            self._ack(conn, int(line["n"]))
        elif kind == wire.LIVE:
            self._peer_live(conn, int(line["term"]), bool(line.get("sync", True)))
        elif kind == wire.SYNC:
            self._sync(conn, int(line["n"]))
        elif kind == wire.STAND_DOWN:
            if self.role is Role.LIVE and self._streaming:
                self._stand_down("the backup's operator took over")
        elif kind == wire.STOOD_DOWN:
            self._handed_over(conn, line)
        elif kind == wire.BYE:
            self._bye(conn, str(line.get("reason", "")))

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
                self._say("synced", f"following the main (clock offset ±{_ms(conn.clock.error_bound_ns)})")
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

    def _handed_over(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        if self.role is Role.LIVE:
            self._settle_doubts(conn, line)
            return
        if conn is not self._leader or self.role is not Role.FOLLOWING:
            return
        unconfirmed = [conn.clock.to_local(int(due)) for _, _, due in line.get("unconfirmed", [])]
        self._take_over("handed over by the main", max(unconfirmed) if unconfirmed else None, sync=False)

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

    def _bye(self, conn: PeerConnection, reason: str) -> None:
        if conn is self._leader:
            self._armed = False
            self._quit = True
            self._say("bye", f"the main quit ({reason}): take over to carry on")
        elif self.role is Role.LIVE:
            self._attached = False
            self._streaming = False
            self.gate.set_mirror(None)
            self.gate.lease(None)
            self._say("bye", f"the backup quit ({reason}): going on alone")

    # ---- what the live console's core told this one directly (timing/mirror.py) -----------------

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

    # ---- roles --------------------------------------------------------------------------------

    def _take_over(self, reason: str, doubt_until_ns: int | None, *, sync: bool = True) -> None:
        """Go live: open the devices, carry on from the show as followed (see module docstring)."""
        if self.role is Role.LIVE or self._closed:
            return
        peer_term = self.conn.info.term if self.conn is not None and self.conn.info is not None else 0
        self.term = max(self.term, peer_term) + 1
        self.role = Role.LIVE
        self._leader = None
        self._armed = False
        self._takeover_at = None
        self._gone_takeover_at = None
        self._asked_ns = None
        self._standing_down_since = None
        self.gate.lead()
        self.gate.taking_over(doubt_until_ns, ask=self.options.policy == "ask", sent_elsewhere=self._sent_elsewhere)
        conn = self.conn if self.conn is not None and self.conn.ready and not self.conn.closed else None
        if conn is not None:
            self._offer(conn, sync=sync)
        self.engine.take_over()
        doubts = self.gate.taken_over()
        listed = tuple((d.cue, d.device, d.due_ns) for d in doubts)
        self._say("took_over", reason, doubts=listed)
        if doubts and self.options.policy == "ask":
            self._say(
                "doubt",
                f"{len(doubts)} send{'s' if len(doubts) != 1 else ''} the main may have made: "
                + ", ".join(f"cue {d.cue} to {d.device}" for d in doubts[:5])
                + ("..." if len(doubts) > 5 else "")
                + " (takeover fire / takeover skip)",
                doubts=listed,
            )

    def _stand_down(self, reason: str, *, streaming: bool = True) -> None:
        """Stop sending now and cancel every pending send (quietly); once the core has settled them, say so
        (`stooddown`, with what was sent since the last word from the other console). `streaming`: the other
        console follows this one until then (a hand-over); else it is live already (it won a conflict)."""
        self.gate.stand_down()
        self.gate.set_mirror(None)
        self.engine.stand_down()
        self.role = Role.FOLLOWING
        self._attached = False
        self._streaming = streaming
        self._standing_down_since = now_ns()
        self._say("standing_down", reason)

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

    # ---- the operator -------------------------------------------------------------------------

    def takeover(self, answer: str = "") -> str | None:
        """`takeover` on this console: None when done or under way, else why not. `fire` / `skip` answer
        the question about sends in doubt."""
        if answer:
            if answer not in {"fire", "skip"}:
                return "takeover takes `fire` or `skip` (about the sends in doubt), or nothing"
            if not self.gate.doubts():
                return "no send is in doubt"
            count = self.gate.decide(fire=answer == "fire")
            self._say("decided", f"{count} send{'s' if count != 1 else ''} in doubt: {answer}")
            return None
        if self.role is Role.LIVE:
            return "this console is live already"
        conn = self.conn if self.conn is not None and self.conn.ready and not self.conn.closed else None
        now = now_ns()
        heard = self._heard_ns
        if conn is not None and conn is self._leader and heard is not None and now - heard < self.options.timeout_ns:
            conn.send(wire.STAND_DOWN)
            self._asked_ns = now
            self._say("asked", "asked the main to stand down")
            return None
        if self._leader is None and heard is None:
            self._take_over("by hand: no live console known", None)
            return None
        assert heard is not None
        self._takeover_at = max(now, heard + self.options.timeout_ns)
        self._say("asked", f"taking over once the main's lease has run out ({(self._takeover_at - now) / 1e9:.2f} s)")
        return None

    def handover(self) -> str | None:
        """`handover` on the live console: stand down for the backup that follows. None, or why not."""
        if self.role is not Role.LIVE:
            return "this console is not live"
        if not self._attached or self.conn is None:
            return "no backup follows this console"
        self._stand_down("handed over to the backup by the operator")
        return None

    def alone(self) -> str | None:
        """`alone` on a live console holding its sends: go on without the backup. None, or why not."""
        if self.role is not Role.LIVE:
            return "this console is not live"
        if not self._attached:
            return "no backup is attached: this console sends already"
        self._attached = False
        self._streaming = False
        self.term += 1
        self.gate.set_mirror(None)
        self.gate.lease(None)
        self._say("alone", "going on without the backup (if it took over meanwhile, both are live: check it)")
        return None

    # ---- what the console shows ---------------------------------------------------------------

    def status(self) -> LinkStatus:
        """The link now."""
        now = now_ns()
        conn = self.conn if self.conn is not None and self.conn.ready and not self.conn.closed else None
        if self.role is Role.LIVE:
            heard = now - self._acked_ns if self._attached and self._acked_ns is not None else None
        else:
            heard = now - self._heard_ns if self._heard_ns is not None else None
        takeover_in = None
        if self.role is Role.FOLLOWING and self._armed and self._heard_ns is not None:
            takeover_in = max(0, self._heard_ns + self.options.timeout_ns - now)
        elif self._takeover_at is not None:
            takeover_in = max(0, self._takeover_at - now)
        return LinkStatus(
            side=self.options.side,
            role=self.role,
            term=self.term,
            peer=f"{self.options.host}:{self.options.port}" if conn is None else conn.address,
            connected=conn is not None,
            peer_role=conn.info.role if conn is not None and conn.info is not None else None,
            heard_ns=heard,
            lag_ns=self._lag_ns if self.role is Role.FOLLOWING else None,
            offset_error_ns=conn.clock.error_bound_ns if conn is not None else None,
            armed=self._armed,
            takeover_in_ns=takeover_in,
            holding=self.gate.holding,
            doubts=self.gate.doubts(),
            note=self.note,
        )

    def _say(self, what: str, detail: str, *, peer: str = "", doubts: tuple[tuple[str, str, int], ...] = ()) -> None:
        self.note = detail
        where = peer or (self.conn.address if self.conn is not None else "")
        event = LinkEvent(now_ns(), role=self.role.value, what=what, detail=detail, peer=where, doubts=doubts)
        self.engine.announce(event)


def _ms(ns: int | None) -> str:
    return "?" if ns is None else f"{ns / 1e6:.2f} ms"


def doubt_lines(doubts: tuple[Doubt, ...]) -> list[str]:
    """Each send in doubt in words, for a prompt."""
    return [f"cue {d.cue} to {d.device}" for d in doubts]


class _MirrorIn(asyncio.DatagramProtocol):
    """The UDP socket the live console's timing core tells this one of its sends on."""

    def __init__(self, received: Callable[[bytes], None]) -> None:
        self._received = received

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Hand the datagram on (its signature is checked there)."""
        self._received(data)
