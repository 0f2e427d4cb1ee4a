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
from collections import deque
from collections.abc import Callable
from typing import Any

from showcall.backup import wire
from showcall.backup.following import FollowerPart
from showcall.backup.gate import Gate
from showcall.backup.leading import LeaderPart
from showcall.backup.options import MS, STAND_DOWN_WAIT_NS, LinkOptions, now_ns
from showcall.backup.peer import Identity, PeerConnection
from showcall.backup.status import LinkEvent, LinkStatus, Role
from showcall.engine.engine import Engine
from showcall.errors import ShowcallError

TICK_S = 0.01
"""The node looks at its clocks every 10 ms: a take-over by silence comes at most this much after the window."""
MIRRORED_KEPT = 8192
DIAL_EVERY_NS = 100 * MS
DIAL_TIMEOUT_S = 0.5


class LinkRefusedError(ShowcallError):
    """The other console refused this one (or this one it): wrong passcode, another show, another protocol."""


class LinkNode(LeaderPart, FollowerPart):
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

    # ---- the engine's events ------------------------------------------------------------------

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

    def _handed_over(self, conn: PeerConnection, line: dict[str, Any]) -> None:
        if self.role is Role.LIVE:
            self._settle_doubts(conn, line)
            return
        if conn is not self._leader or self.role is not Role.FOLLOWING:
            return
        unconfirmed = [conn.clock.to_local(int(due)) for _, _, due in line.get("unconfirmed", [])]
        self._take_over("handed over by the main", max(unconfirmed) if unconfirmed else None, sync=False)

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


class _MirrorIn(asyncio.DatagramProtocol):
    """The UDP socket the live console's timing core tells this one of its sends on."""

    def __init__(self, received: Callable[[bytes], None]) -> None:
        self._received = received

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Hand the datagram on (its signature is checked there)."""
        self._received(data)
