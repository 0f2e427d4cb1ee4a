"""Provides `ShowSession`: one run of a show, wired together: plan, simulators, timing core, engine, log.

The console and the headless runner both open a session and then only talk to `session.engine`. With a
main/backup link (`SessionOptions.link`, showcall.backup) the engine starts following, its timing core
starts with no device open, a `Gate` stands between them, and `session.link` decides when it goes live.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from showcall.backup.gate import Gate
from showcall.backup.node import LinkNode
from showcall.backup.options import LinkOptions
from showcall.compile.plan import Plan
from showcall.compile.showfile import load_show
from showcall.engine import events as ev
from showcall.engine.clock import Clock, ShowClock, SystemClock
from showcall.engine.engine import Engine
from showcall.engine.log import EventLog, LogError, latest_log, new_log_path, read_log
from showcall.engine.rehearsal import RehearsalPoint, default_clock, rehearsal_point
from showcall.engine.replay import Replay, replay
from showcall.errors import Problem, ShowcallError, ShowFileError
from showcall.runner.auto import AutoGo
from showcall.runner.control import ControlInput, listen
from showcall.runner.controlguard import ControlPolicy
from showcall.runner.lastrun import SinceLastRun, since_last_run
from showcall.runner.mtcin import MtcListener, MtcTimecode
from showcall.timing.api import Scheduler
from showcall.transports.base import Endpoint
from showcall.web.access import WebOptions

if TYPE_CHECKING:
    from showcall.web.server import WebServer


class Simulators(Protocol):
    """The simulated devices of a rehearsal (showcall.sim provides them)."""

    endpoints: dict[str, Endpoint]

    def subscribe(self, subscriber: Callable[[Any], None]) -> Callable[[], None]:
        """Call `subscriber` with every record of what a simulator received; returns an unsubscribe."""

    async def aclose(self) -> None:
        """Stop every simulator."""


@dataclass
class SessionOptions:
    """How to run: `sim` replaces every device by its simulator; `auto_gap_ns` GOes manual cues by
    itself; `log_path` overrides the per-show log; `resume` continues the newest (or given) log;
    `control_port` listens for OSC control, where and from whom `control_policy` says.

    A rehearsal (`sim`) may run on a rehearsal clock: `clock_tod_ns` sets it, `speed` runs it faster,
    `from_cue` / `from_segment` start it there (docs/engine.md, "Rehearsing a part of the show").
    """

    sim: bool = False
    auto_gap_ns: int | None = None
    log_path: Path | None = None
    resume: bool = False
    timing_mode: str | None = None
    realtime: bool = True
    pin: bool = True
    control_port: int | None = None
    control_policy: ControlPolicy = field(default_factory=ControlPolicy)
    mtc_listen: str | None = None
    link: LinkOptions | None = None
    clock_tod_ns: int | None = None
    speed: int = 1
    from_cue: str | None = None
    from_segment: str | None = None
    web: WebOptions | None = None


@dataclass
class ShowSession:
    """An open run of a show (see module docstring). Use `await ShowSession.open(...)` then `aclose()`."""

    path: Path
    plan: Plan
    engine: Engine
    scheduler: Scheduler
    log: EventLog
    options: SessionOptions
    simulators: Simulators | None = None
    auto: AutoGo | None = None
    replayed: Replay | None = None
    control: ControlInput | None = None
    mtc: MtcListener | None = None
    web: WebServer | None = None
    link: LinkNode | None = None
    since_last: SinceLastRun = dataclasses.field(default_factory=lambda: SinceLastRun(None))
    from_point: RehearsalPoint | None = None
    clock_note: str = ""  # why the rehearsal clock reads what it reads, when showcall chose it

    _exits: contextlib.AsyncExitStack = dataclasses.field(default_factory=contextlib.AsyncExitStack, repr=False)

    @classmethod
    async def open(cls, path: Path, options: SessionOptions) -> ShowSession:
        """Load the show (ShowFileError on problems), start simulators and the timing core, build the engine.

        Whatever was started is stopped again if a later step fails (a log that cannot be written, a control
        port in use): nothing is left listening or running.
        """
        loaded = load_show(path)
        if loaded.plan is None or loaded.sources is None:
            raise ShowFileError(loaded.problems or [Problem(str(path), 1, 1, "", "the show could not be compiled")])
        plan = loaded.plan
        from showcall.diff import record_show  # the kept show and its digest: of the plan as loaded

        record = record_show(plan, loaded.sources)
        previous = _resume_log(path, options) if options.resume else None
        replayed = _read_replay(previous, path) if previous is not None else None  # before anything starts
        if previous is not None and replayed is not None and replayed.rehearsal_clock and not options.sim:
            raise LogError(
                f"cannot resume from {previous}: that run was a rehearsal on a rehearsal clock; resume it as one "
                "(showcall rehearse --resume, or run --sim --resume)"
            )
        point = _rehearsal_point(plan, options)
        async with contextlib.AsyncExitStack() as exits:
            simulators: Simulators | None = None
            if options.sim:
                simulators = await _start_simulators(plan)
                exits.push_async_callback(simulators.aclose)
                plan = _pointed_at(plan, simulators.endpoints)
            plan = await _resolve_hosts(plan)
            log_path = options.log_path or (previous if previous is not None else new_log_path(path))
            last_log = log_path if log_path.exists() else latest_log(path)
            since_last = since_last_run(record, log_path, last_log)
            log = EventLog(log_path)
            exits.callback(log.close)
            from showcall.timing.client import TimingCoreClient

            mode = options.timing_mode or plan.show.info.timing
            linked = options.link is not None  # a linked console's devices open only when it goes live
            core = TimingCoreClient(
                endpoints=() if linked else plan.endpoints(),
                mode=mode,
                realtime=options.realtime,
                last_words_path=str(log.path),
                pin=options.pin,
            )
            exits.push_async_callback(core.aclose)
            await core.start()
            loop = asyncio.get_running_loop()
            clock = SystemClock(loop)
            scheduler: Scheduler = Gate(core, plan.endpoints(), clock.now_ns, loop.call_soon) if linked else core
            mtc_source = MtcTimecode(plan.show.info.fps, clock) if options.mtc_listen else None
            show_clock = _show_clock(clock, plan, options, replayed, point)
            engine = Engine(
                plan,
                scheduler,
                show_clock,
                path=str(path.resolve()),
                timecode=mtc_source,
                digest=record.digest,
                journal=linked,
            )
            exits.callback(engine.close)
            engine.subscribe(log)
            session = cls(
                path,
                plan,
                engine,
                scheduler,
                log,
                options,
                simulators,
                since_last=since_last,
                from_point=point,
                clock_note=show_clock.note,
            )
            session.replayed = replayed
            if mtc_source is not None and options.mtc_listen is not None:
                mtc_source.on_problem = lambda text: engine.announce(ev.ErrorEvent(clock.now_ns(), message=text))
                mtc = MtcListener(mtc_source)
                host, _, port = options.mtc_listen.rpartition(":")
                try:
                    await mtc.start(host or "127.0.0.1", int(port))
                except (OSError, ValueError) as exc:
                    raise ShowcallError(f"cannot listen for MIDI timecode on {options.mtc_listen}: {exc}") from exc
                exits.push_async_callback(mtc.aclose)
                session.mtc = mtc
            if options.auto_gap_ns is not None:
                session.auto = AutoGo(engine, engine.clock, options.auto_gap_ns)
            if options.control_port is not None:
                try:
                    control = await listen(engine, options.control_port, options.control_policy)
                except OSError as exc:
                    where = f"{options.control_policy.host}:{options.control_port}"
                    raise ShowcallError(f"cannot listen for control on {where}: {exc.strerror}") from exc
                exits.callback(control.close)
                session.control = control
            if options.web is not None:
                from showcall.web.server import start_web  # aiohttp is imported only for --web

                web = await start_web(engine, options.web)
                exits.push_async_callback(web.aclose)  # closed first: browsers are told before the show stops
                session.web = web
                print(f"showcall: crew views on {web.url} (see docs/web.md)", file=sys.stderr)
            if options.link is not None:
                assert isinstance(scheduler, Gate)
                from showcall.diff import show_to_json  # only when a backup turns out to run another show

                session.link = LinkNode(
                    engine, scheduler, options.link, record.digest, show_json=lambda: show_to_json(record)
                )
                exits.push_async_callback(session.link.close)
                try:
                    await session.link.open()
                except OSError as exc:
                    where = f"{options.link.host}:{options.link.port}"
                    raise ShowcallError(f"cannot listen for the backup on {where}: {exc.strerror}") from exc
            session._exits = exits.pop_all()
        return session

    def start(self) -> None:
        """Announce the show (restoring a resumed run first, or starting a rehearsal where it was asked to) and
        arm its time cues."""
        if self.link is not None:  # it starts following; its link decides when it goes live
            self.engine.start(following=True)
            self.link.begin()
            return
        replayed = self.replayed if self.replayed is not None and not self.replayed.empty else None
        self.engine.start(replayed, from_=self.from_point)

    async def aclose(self) -> None:
        """Stop what the session started, last first: the web views, control, MTC, the engine's listening,
        the timing core, the log, the simulators. Control's counters are logged (and said on stderr if it
        dropped anything) first."""
        if self.control is not None:
            summary = self.control.finish()
            if self.control.stats.dropped_total:  # strangers or typos at the control port: the caller should know
                print(f"showcall: {summary}", file=sys.stderr)
        await self._exits.aclose()


def _rehearsal_point(plan: Plan, options: SessionOptions) -> RehearsalPoint | None:
    """Where `--from` / `--from-segment` start the rehearsal (its clock: `--clock`, or the plan's time there)."""
    if options.from_cue is None and options.from_segment is None:
        return None
    try:
        return rehearsal_point(
            plan, cue=options.from_cue, segment=options.from_segment, clock_tod_ns=options.clock_tod_ns
        )
    except ValueError as exc:
        option = "--from" if options.from_cue is not None else "--from-segment"
        raise ShowcallError(f"{option}: {exc}") from exc


def _show_clock(
    base: Clock, plan: Plan, options: SessionOptions, replayed: Replay | None, point: RehearsalPoint | None
) -> ShowClock:
    """The show's clock: a resumed run carries on its own; a rehearsal runs on `--clock`, or where `--from`
    starts it (the engine sets that), or, when the real time is outside the show's hours, 30 s before the
    planned start; a show on the real devices runs on the real time of day."""
    if replayed is not None:
        if not replayed.rehearsal_clock:
            return ShowClock(base, rehearsal=options.sim)
        clock = ShowClock(base, speed=replayed.speed, rehearsal=True)
        tod = replayed.show_time_of_day(base.now_ns(), base.wall_ns())
        if tod is not None:
            clock.set(tod, note="the rehearsal clock of the run resumed, carried on")
        return clock
    clock = ShowClock(base, speed=options.speed, rehearsal=options.sim)
    if not options.sim or point is not None:
        return clock
    if options.clock_tod_ns is not None:
        clock.set(options.clock_tod_ns)
        return clock
    chosen = default_clock(plan, base.time_of_day_ns())
    if chosen is not None:
        clock.set(chosen[0], note=chosen[1])
    return clock


def _read_replay(log: Path, show: Path) -> Replay:
    """What the log says happened, refused with a reason when it is not this show's or not readable."""
    try:
        replayed = replay(read_log(log))
    except ValueError as exc:
        raise LogError(f"cannot resume from {log}: {exc}") from exc
    if replayed.path and Path(replayed.path).resolve() != show.resolve():
        raise LogError(f"cannot resume from {log}: it is the log of {replayed.path}, not {show}")
    return replayed


def _resume_log(path: Path, options: SessionOptions) -> Path:
    previous = options.log_path if options.log_path is not None else latest_log(path)
    if previous is None or not previous.exists():
        raise LogError(f"nothing to resume: no event log for {path} (give one with --log PATH)")
    return previous


async def _start_simulators(plan: Plan) -> Simulators:
    from showcall.sim.rig import start_simulators  # imported only for a rehearsal

    simulators: Simulators = await start_simulators(plan)
    return simulators


async def _resolve_hosts(plan: Plan, timeout_s: float = 3.0) -> Plan:
    """Devices named by host name get their address now, in this process: the timing core takes
    numeric addresses only, so a slow or missing DNS server can never stall it. A name that does
    not resolve is left as it is, and its device shows offline with the reason."""
    loop = asyncio.get_running_loop()
    devices = dict(plan.devices)
    for name, device in plan.devices.items():
        endpoint = device.endpoint
        if endpoint.kind == "midi" or not endpoint.host or _numeric(endpoint.host):
            continue
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(endpoint.host, endpoint.port), timeout_s)
        except (OSError, TimeoutError):
            continue
        address = str(infos[0][4][0])
        devices[name] = dataclasses.replace(device, endpoint=dataclasses.replace(endpoint, host=address))
    return dataclasses.replace(plan, devices=devices)


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pointed_at(plan: Plan, endpoints: dict[str, Endpoint]) -> Plan:
    """The plan with each device's endpoint replaced by its simulator's."""
    devices = {
        name: dataclasses.replace(device, endpoint=endpoints.get(name, device.endpoint))
        for name, device in plan.devices.items()
    }
    return dataclasses.replace(plan, devices=devices)
