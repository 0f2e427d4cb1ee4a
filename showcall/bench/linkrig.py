"""Provides a main and its backup as real processes on loopback, a UDP receiver that judges, and a link proxy.

`showcall bench backup` and tests/backup run take-over trials with it: a follow chain (one OSC message per
cue, `/cue N`) goes to the receiver; the harness breaks the main at a chosen moment (kill -9 of its process,
or its whole process group frozen with SIGSTOP: the machine gone silent), or pauses the link in `LinkProxy`,
and the receiver counts every cue: each must arrive exactly once. All processes share CLOCK_MONOTONIC, so a
cue's arrival and its due time compare directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pythonosc.osc_message import OscMessage

S = 1_000_000_000
MS = 1_000_000
PASSCODE = "bench-link-passcode"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port the kernel says is free now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_chain(path: Path, port: int, cues: int, spacing_ms: int, title: str = "Backup trial") -> None:
    """A show of `cues` cues, the first manual, each next one following it by `spacing_ms`, one message each."""
    lines = [
        "showcall: 1",
        f"show: {{title: {title}}}",
        f"devices: {{rx: {{driver: osc, host: 127.0.0.1, port: {port}}}}}",
        "departments: {LX: {name: Lighting}}",
        "cues:",
    ]
    for n in range(1, cues + 1):
        go = "" if n == 1 else f", go: {{follow: {spacing_ms}ms}}"
        lines.append(f'  - {{id: "{n}", dept: LX{go}, actions: [{{osc: {{device: rx, address: /cue, args: [{n}]}}}}]}}')
    path.write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class Arrival:
    """A datagram at the receiver: when (monotonic ns), from which source port, which cue."""

    at_ns: int
    port: int
    cue: int


class Receiver:
    """A UDP socket on loopback that records every `/cue N` it gets, on a thread."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.arrivals: list[Arrival] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if not ready:
                continue
            data, (_, port) = self.sock.recvfrom(65536)
            at = time.monotonic_ns()
            message = OscMessage(data)
            self.arrivals.append(Arrival(at, port, int(message.params[0])))

    def wait_for(self, cues: int, timeout_s: float) -> bool:
        """Wait until every cue 1..`cues` arrived at least once; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if {a.cue for a in self.arrivals} >= set(range(1, cues + 1)):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class Console:
    """`showcall run FILE --headless` in its own process group; its event lines are collected on a thread."""

    def __init__(self, show: Path, *options: str, log: Path, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "showcall", "run", str(show), "--headless", "--no-rt", "--log", str(log)]
        self.process = subprocess.Popen(
            [*command, *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SHOWCALL_LINK_PASSCODE": PASSCODE, **(env or {})},
            start_new_session=True,
        )
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        """The console's process id (its process group's too)."""
        return self.process.pid

    def _read(self, out: IO[str] | None) -> None:
        assert out is not None
        with contextlib.suppress(OSError, ValueError):  # the process is gone and its pipe closed
            self._read_lines(out)
        with self._changed:
            self._changed.notify_all()

    def _read_lines(self, out: IO[str]) -> None:
        for line in out:
            with contextlib.suppress(json.JSONDecodeError):
                event = json.loads(line)
                with self._changed:
                    self.events.append(event)
                    self._changed.notify_all()

    def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout_s: float = 30.0) -> dict[str, Any]:
        """The first event (so far or to come) for which `test` holds; TimeoutError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if test(event):
                        return event
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    status = self.process.poll()
                    err = ""
                    if status is not None and self.process.stderr is not None:
                        err = self.process.stderr.read()[-2000:]
                    raise TimeoutError(
                        f"no such event from pid {self.pid} (exit status {status}; stderr {err!r}); "
                        f"last: {self.events[-3:]}"
                    )
                self._changed.wait(min(left, 0.1))

    def link(self, what: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """The first `link` event saying `what`."""
        return self.wait_for(lambda e: e.get("event") == "link" and e.get("what") == what, timeout_s)

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Every event of a kind so far."""
        with self._changed:
            return [e for e in self.events if e.get("event") == kind]

    def command(self, line: str) -> None:
        """Write one command line to its stdin."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError, ValueError):
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()

    def signal(self, signum: int, *, group: bool = False) -> None:
        """Send a signal to the console (or its whole group: engine, timing cores)."""
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)

    def stop(self) -> str:
        """Kill whatever is left of the group; returns its stderr."""
        self.signal(signal.SIGCONT, group=True)
        self.signal(signal.SIGKILL, group=True)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._reader.join(5)
        err = ""
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is None:
                continue
            with contextlib.suppress(OSError, ValueError):
                if stream is self.process.stderr:
                    err = stream.read()
                stream.close()
        return err


class LinkProxy:
    """A proxy on loopback between the backup and the main, for the whole link: the TCP connection and the
    datagrams the main's timing core sends the backup (the backup's `auth` line is rewritten to name the
    proxy's UDP port). `pause()` stops carrying anything either way (the network stalls: nothing is closed,
    datagrams are lost as a stalled network loses them), `resume()` carries on, the TCP bytes that waited
    included."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port: int = self.listener.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp_port: int = self.udp.getsockname()[1]
        self._mirror_to: int | None = None  # the backup's own port for the datagrams
        self.paused = threading.Event()
        self._holding = threading.Event()  # the carrying thread has seen the pause: nothing more goes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stop carrying anything; returns once nothing more is carried."""
        self._holding.clear()
        self.paused.set()
        self._holding.wait(5)

    def resume(self) -> None:
        """Carry again."""
        self.paused.clear()

    def _rewrite(self, pending: bytearray) -> bytes | None:
        """The backup's first bytes up to its `auth` line, with the mirror port made the proxy's (None: more
        bytes needed)."""
        end = pending.find(b"\n")
        if end < 0:
            return None
        line = json.loads(bytes(pending[:end]))
        if line.get("t") == "auth" and "mirror" in line:
            self._mirror_to = int(line["mirror"])
            line["mirror"] = self.udp_port
        out = json.dumps(line, separators=(",", ":")).encode() + b"\n" + bytes(pending[end + 1 :])
        pending.clear()
        return out

    def _run(self) -> None:
        pairs: dict[socket.socket, socket.socket] = {}
        clients: dict[socket.socket, bytearray] = {}  # backups whose auth line has not gone through yet
        while not self._stop.is_set():
            if self.paused.is_set():
                self._holding.set()
            watched = [self.listener] if self.paused.is_set() else [self.listener, self.udp, *pairs]
            ready, _, _ = select.select(watched, [], [], 0.01)
            for sock in ready:
                if sock is self.listener:
                    client, _ = self.listener.accept()
                    try:
                        upstream = socket.create_connection(("127.0.0.1", self.target))
                    except OSError:  # the main is not listening yet: the backup dials again
                        client.close()
                        continue
                    pairs[client], pairs[upstream] = upstream, client
                    clients[client] = bytearray()
                    continue
                if sock is self.udp:
                    datagram = self.udp.recv(65536)
                    if self._mirror_to is not None:
                        self.udp.sendto(datagram, ("127.0.0.1", self._mirror_to))
                    continue
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                other = pairs.get(sock)
                if not data or other is None:
                    for end in (sock, other):
                        if end is not None:
                            pairs.pop(end, None)
                            clients.pop(end, None)
                            end.close()
                    continue
                if sock in clients:
                    clients[sock] += data
                    rewritten = self._rewrite(clients[sock])
                    if rewritten is None:
                        continue
                    del clients[sock]
                    data = rewritten
                other.sendall(data)
        for sock in pairs:
            sock.close()
        self.udp.close()

    def close(self) -> None:
        """Stop the proxy."""
        self._stop.set()
        self._thread.join(2)
        self.listener.close()


@dataclass
class Pair:
    """A main (its link reached through `proxy` when given), its backup, the receiver, and the show."""

    workdir: Path
    receiver: Receiver
    main: Console
    backup: Console
    cues: int
    spacing_ns: int
    proxy: LinkProxy | None = None
    go_ns: int = 0
    stderr: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        cues: int = 16,
        spacing_ms: int = 200,
        policy: str = "fire",
        heartbeat: str = "500ms",
        proxy: bool = False,
        backup_env: dict[str, str] | None = None,
    ) -> Pair:
        """Start the receiver, the main and the backup (together: the main goes live as the backup joins),
        and wait until the backup is armed."""
        receiver = Receiver()
        show = workdir / "chain.yaml"
        write_chain(show, receiver.port, cues, spacing_ms)
        port = free_port()
        link = ("--heartbeat", heartbeat, "--takeover-policy", policy)
        main = Console(show, "--main", "--listen", f"127.0.0.1:{port}", *link, log=workdir / "main.jsonl")
        relay = LinkProxy(port) if proxy else None
        target = relay.port if relay is not None else port
        if relay is not None:  # a proxy accepts before the main listens: the backup would take that for a refusal
            main.link("took_over")
        backup = Console(
            show, "--backup-of", f"127.0.0.1:{target}", *link, log=workdir / "backup.jsonl", env=backup_env
        )
        pair = cls(workdir, receiver, main, backup, cues, spacing_ms * MS, relay)
        try:
            main.link("took_over")
            backup.link("armed")
        except TimeoutError:
            pair.close()
            raise
        return pair

    def go(self) -> None:
        """GO on the main; `go_ns` is cue 1's fire time (from its `go` event)."""
        self.main.command("go")
        self.go_ns = int(self.main.wait_for(lambda e: e.get("event") == "go")["fire_ns"])

    def due_ns(self, cue: int) -> int:
        """When cue `cue` is due (nothing held: the chain's own times)."""
        return self.go_ns + (cue - 1) * self.spacing_ns

    def close(self) -> None:
        """Stop everything."""
        self.stderr = {"main": self.main.stop(), "backup": self.backup.stop()}
        if self.proxy is not None:
            self.proxy.close()
        self.receiver.close()


@dataclass(frozen=True)
class Verdict:
    """What the receiver saw: cues that came twice or more, cues that never came, and who sent what."""

    duplicates: tuple[int, ...]
    missing: tuple[int, ...]
    main_cues: tuple[int, ...]
    backup_cues: tuple[int, ...]
    gap_ns: int | None  # the delay of the first cue due after the fault
    wire_silence_ns: int | None  # last arrival from the main to the first from the backup
    interleaved: bool  # the main sent after the backup's first send: both live at once


def judge(pair: Pair, fault_ns: int) -> Verdict:
    """The receiver's verdict on a trial whose fault came at `fault_ns` (see `Verdict`)."""
    arrivals = sorted(pair.receiver.arrivals, key=lambda a: a.at_ns)
    counts: dict[int, int] = {}
    for a in arrivals:
        counts[a.cue] = counts.get(a.cue, 0) + 1
    main_port = arrivals[0].port if arrivals else None
    main = [a for a in arrivals if a.port == main_port]
    backup = [a for a in arrivals if a.port != main_port]
    after = [c for c in range(1, pair.cues + 1) if pair.due_ns(c) > fault_ns]
    gap = None
    if after:
        first = min(after)
        arrived = [a.at_ns for a in arrivals if a.cue == first]
        gap = arrived[0] - pair.due_ns(first) if arrived else None
    silence = backup[0].at_ns - main[-1].at_ns if main and backup else None
    interleaved = bool(backup) and any(a.at_ns > backup[0].at_ns for a in main)
    return Verdict(
        duplicates=tuple(sorted(c for c, n in counts.items() if n > 1)),
        missing=tuple(c for c in range(1, pair.cues + 1) if c not in counts),
        main_cues=tuple(a.cue for a in main),
        backup_cues=tuple(a.cue for a in backup),
        gap_ns=gap,
        wire_silence_ns=silence,
        interleaved=interleaved,
    )


@dataclass(frozen=True)
class Trial:
    """One take-over trial's outcome."""

    seed: int
    fault: str
    fault_after_ms: float
    verdict: Verdict
    took_over: dict[str, Any]
    lost_after_ms: float | None  # when the backup saw the main's connection end, after cue 1's GO


def run_trial(workdir: Path, seed: int, fault: str, *, cues: int = 16, spacing_ms: int = 200) -> Trial:
    """A chain GOne on the main; at a seeded random moment the fault (`kill`: kill -9 of the main's process;
    `freeze`: SIGSTOP of its whole process group); the backup takes over with `--takeover-policy fire`."""
    import random

    rng = random.Random(seed)
    chain_ns = (cues - 1) * spacing_ms * MS
    fault_after = rng.uniform(0.05 * chain_ns, 0.95 * chain_ns)
    pair = Pair.start(workdir, cues=cues, spacing_ms=spacing_ms)
    try:
        pair.go()
        fault_ns = pair.go_ns + int(fault_after)
        time.sleep(max(0.0, (fault_ns - time.monotonic_ns()) / S))
        if fault == "kill":
            pair.main.signal(signal.SIGKILL)
        else:
            pair.main.signal(signal.SIGSTOP, group=True)
        fault_ns = time.monotonic_ns()
        took_over = pair.backup.link("took_over", timeout_s=10)
        pair.receiver.wait_for(cues, timeout_s=chain_ns / S + 5)
        time.sleep(0.3)  # a duplicate would show up by now
        verdict = judge(pair, fault_ns)
        lost = [e for e in pair.backup.of("link") if e.get("what") == "lost"]
    finally:
        pair.close()
    lost_ms = (int(lost[0]["mono_ns"]) - pair.go_ns) / MS if lost else None
    return Trial(seed, fault, (fault_ns - pair.go_ns) / MS, verdict, took_over, lost_ms)
