"""Provides `MainScreen`: the show caller's console, a view and a keyboard on the engine.

Keys call the engine's commands directly (they return at once: the engine only hands deadlines
to the timing core, so nothing drawn here can delay a cue). Engine events reach the screen through
`ShowFeed`, which coalesces them into one `ShowChanged` message however many arrive; the clocks
are redrawn ten times a second. A GO is drawn straight from the key handler, not on the next tick.
Everything drawn comes from the engine's snapshot (`self.show`, taken at each redraw) and the plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from showcall.backup.node import LinkNode
from showcall.engine import events as ev
from showcall.engine.engine import Engine, Refusal
from showcall.engine.rehearsal import GO_TO, NOT_A_REHEARSAL, RehearsalPoint
from showcall.engine.snapshot import CueState, ShowSnapshot, Source
from showcall.errors import ShowcallError
from showcall.runner.lastrun import SinceLastRun
from showcall.timing.api import Scheduler, TimingStatistics
from showcall.tui.data.feed import Changes, ShowFeed
from showcall.tui.data.keys import department_keys, key_of
from showcall.tui.data.simulators import SimulatorFeed
from showcall.tui.data.text import countdown, timecode
from showcall.tui.widgets.cuelist import CueList
from showcall.tui.widgets.header import HeaderState, ShowHeader
from showcall.tui.widgets.linkbar import LinkBar
from showcall.tui.widgets.logs import EventLogView, ReceivedLog
from showcall.tui.widgets.panels import DevicePanel, TimingPanel
from showcall.tui.widgets.standby import LightState, StandbyPanel, StandbyState
from showcall.tui.widgets.status import HealthLine, SegmentLine, TimingState

if TYPE_CHECKING:
    from showcall.tui.screens.takeover import LinkKeys

CLOCK_HZ = 10
"""Clock redraws per second: tenths on the countdown, cheap enough at 10,000 cues (`showcall bench console`)."""
STATS_EVERY_NS = 500_000_000
"""The timing core's statistics sort its lateness window; twice a second is plenty for a p99."""
FLASH_NS = 500_000_000
"""Half-period of a standby cue light's flash."""
ALERT_S = 30.0
"""How long an error notice stays on screen (it stays in the event log too)."""

STANDBY_KEYS = Binding.Group("standby", compact=True)


class MainScreen(Screen[None]):
    """The console (see module docstring)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 - Textual's class attribute
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        # Space: GO, fire the cue on standby. Refused (and said why, in red) while held, past the end
        # of the show, or sooner than the show's go_guard after the last GO.
        Binding("space", "go", "GO", key_display="␣"),
        # Esc: PANIC, all stop. Cancels every pending send, sends each device's stop messages, holds.
        Binding("escape", "panic", "PANIC", key_display="esc"),
        # h: hold the show (countdowns stop, nothing automatic fires), or resume when held.
        Binding("h", "hold", "HOLD"),
        # b: back, the playhead to the cue before (GO then fires that cue again).
        Binding("b", "back", "BACK"),
        # Up / Down: move the standby (playhead) one cue without firing anything.
        Binding("up", "standby_previous", "standby", group=STANDBY_KEYS),
        Binding("down", "standby_next", "standby", group=STANDBY_KEYS),
        # Enter: put the selected cue (found with /, clicked, or browsed with PgUp/PgDn) on standby.
        Binding("enter", "standby_selected", "standby", key_display="⏎", group=STANDBY_KEYS),
        # a, then a department's key: that department acknowledges ("standing by").
        Binding("a", "ack_mode", "ack"),
        # /: find a cue by number or words of its label; it becomes the selected cue.
        Binding("slash", "find", "find", key_display="/"),
        # g: (rehearsal) go to a cue or segment: take the rehearsal from there, on its planned time.
        Binding("g", "goto", "go to", show=False),
        # ?: every key, the department keys, and what each mark and colour means.
        Binding("question_mark", "help", "help", key_display="?"),
        # q: quit (asks first while the show is running).
        Binding("q", "request_quit", "quit"),
        # d: what changed in the show file since the last run (when something did), by department.
        Binding("d", "changes", "changes", show=False),
        # T: on a main or backup console (docs/backup.md): take over, hand over, go on alone, or decide the
        # sends in doubt after a take-over; always asks first.
        Binding("T", "link", "take over", key_display="T"),
        # l: the event log (and simulators) in place of the cue list, when the screen is narrow.
        Binding("l", "toggle_log", "log", show=False),
        # PgUp / PgDn / Home / End: browse the list (moves the selection, not the standby).
        Binding("pageup", "browse(-1)", "browse up", show=False),
        Binding("pagedown", "browse(1)", "browse down", show=False),
        Binding("home", "browse_to(0)", "first cue", show=False),
        Binding("end", "browse_to(-1)", "last cue", show=False),
    ]

    class ShowChanged(Message):
        """The engine or the timing core reported something; several in a row collapse into one."""

        def can_replace(self, message: Message) -> bool:
            """A pending ShowChanged says the same thing: keep one."""
            return isinstance(message, MainScreen.ShowChanged)

    def __init__(
        self,
        engine: Engine,
        scheduler: Scheduler,
        *,
        simulators: SimulatorFeed | None = None,
        rehearsal: bool = False,
        web: Callable[[], str] | None = None,
        quit_callback: Callable[[], None] | None = None,
        since_last: SinceLastRun | None = None,
        link: LinkNode | None = None,
    ) -> None:
        super().__init__()
        self.link = link
        self.link_keys: LinkKeys | None = None
        self.engine = engine
        self.scheduler = scheduler
        self.simulators = simulators
        self.rehearsal = rehearsal
        self.web = web
        self.quit_callback = quit_callback
        self.since_last = since_last
        self.dept_keys = department_keys(engine.plan.show.departments)
        self.ack_mode = False
        self.feed = ShowFeed(engine, scheduler, self._signal, simulators=simulators)
        self.show: ShowSnapshot = engine.snapshot()
        self._stats: TimingStatistics | None = None
        self._stats_at = -STATS_EVERY_NS
        self._pending_steps = 0  # arrow presses not yet applied (a held-down key repeats faster than a 10,000-cue move)
        self._move_scheduled = False
        self._ready = False  # composed and mounted: redraws before that would find no widgets
        self._left = False

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, standby box, then the cue list beside the side panels, then the keys."""
        yield ShowHeader(id="header")
        if self.link is not None:
            yield LinkBar(id="link")
        yield StandbyPanel(id="standby")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield CueList(len(self.engine.plan.cues), lambda index: self.show.cues[index], id="cues")
                yield SegmentLine(id="segment")
                yield HealthLine(id="health")
            with Vertical(id="side"):
                yield DevicePanel(len(self.feed.devices), id="devices")
                yield TimingPanel(id="timing")
                yield EventLogView(id="log")
                if self.rehearsal or self.simulators is not None:
                    yield ReceivedLog(id="received")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Draw everything once, then keep the clocks moving."""
        if self.link is not None:
            from showcall.tui.screens.takeover import LinkKeys

            self.link_keys = LinkKeys(self, self.link, lambda text: self.feed.note("refused", text))
        self.set_interval(1 / CLOCK_HZ, self.draw_status)
        self.feed.take()  # everything is drawn below, including the log so far
        self.query_one(EventLogView).add(self.feed.log)
        self._ready = True
        self.redraw(Changes(), everything=True)
        self._say_changes()

    def _say_changes(self) -> None:
        """A show that changed since the last run says so at once: the crew must know before the first GO."""
        since = self.since_last
        if since is None:
            return
        if since.note:
            self.feed.note("error", f"changes since the last run: {since.note}")
        if since.banner:
            self.feed.note("info", since.banner)
            self.app.notify(since.banner, title="the show changed", severity="warning", timeout=30, markup=False)

    def on_unmount(self) -> None:
        """Stop listening to the engine."""
        self.feed.close()

    # ---- redrawing ----------------------------------------------------------------------------

    def _signal(self) -> None:
        self.post_message(self.ShowChanged())

    def on_main_screen_show_changed(self, _: ShowChanged) -> None:
        """Apply everything that changed since the last redraw (before mounting, on_mount draws it all)."""
        if self._ready:
            self.redraw(self.feed.take())
        if self.feed.stopped:  # quit, a signal: the run has drained and ended, whoever asked
            self._leave()

    def redraw(self, changes: Changes, *, everything: bool = False) -> None:
        """Redraw what `changes` touch, then the status (header, standby box, lines, panels)."""
        if not self._ready:
            return
        self.show = self.engine.snapshot()
        cues = self.query_one(CueList)
        if changes.playhead or everything:
            self._follow_playhead(cues)
        if changes.structure or everything:
            cues.refresh_visible()
        elif changes.rows:
            cues.refresh_rows(changes.rows)
        if changes.log:
            self.query_one(EventLogView).add(changes.log)
        for alert in changes.alerts[-3:]:  # the log not written, the timing core lost: said where the eye is
            self.app.notify(alert, title="showcall", severity="error", timeout=ALERT_S)
        if changes.received:
            for log in self.query(ReceivedLog):
                log.add(changes.received)
        self.draw_status(devices=changes.devices or everything, fresh=False)

    def _follow_playhead(self, cues: CueList) -> None:
        """The list follows the playhead, unless the caller is browsing elsewhere (then the selection stays)."""
        playhead = self.show.playhead if self.show.playhead is not None else -1
        following = cues.cursor == cues.playhead
        cues.playhead = playhead
        if following and playhead >= 0:
            cues.cursor = playhead
            cues.show(playhead)

    def draw_status(self, *, devices: bool = True, fresh: bool = True) -> None:
        """Redraw the header, the standby box, the status lines and the side panels (from a new snapshot
        unless `fresh` is False: the one redraw() just took)."""
        if fresh:
            self.show = self.engine.snapshot()  # a snapshot reuses its cue tuple while no cue changed: cheap
        show, feed = self.show, self.feed
        now, clocks = show.at_ns, show.clocks
        self.query_one(ShowHeader).show(
            HeaderState(
                show.title,
                clocks.time_of_day_ns,
                clocks.show_elapsed_ns,
                clocks.show_over_ns,
                held=show.held,
                held_for_ns=show.held_for_ns,
                panicked=show.panicked,
                rehearsal=self.rehearsal,
                real_time_of_day_ns=clocks.real_time_of_day_ns if clocks.rehearsal_clock else None,
                speed=clocks.speed,
            )
        )
        self.query_one(StandbyPanel).show(self._standby_state(show))
        if self.link is not None and self.link_keys is not None:
            status = self.link.status()
            self.query_one(LinkBar).show(status)
            self.link_keys.look(status)
        self.query_one(SegmentLine).show(clocks, self._timecode(show))
        timing = self._timing(now)
        device_list = list(feed.devices.values())
        self.query_one(HealthLine).show(device_list, timing, self.web() if self.web is not None else None)
        self.query_one(TimingPanel).show(timing)
        if devices or now % 1_000_000_000 < 1_000_000_000 // CLOCK_HZ:  # "3s ago" moves once a second
            self.query_one(DevicePanel).show(device_list, now)

    def _standby_state(self, show: ShowSnapshot) -> StandbyState:
        feed, plan = self.feed, self.engine.plan
        notice = feed.notice
        lights = tuple(LightState(d.dept, d.light, key_of(self.dept_keys, d.dept)) for d in show.departments)
        refused = notice is not None and notice.kind == "refused"
        base = StandbyState(  # typed, so a misspelt field fails mypy, not the 10 Hz redraw
            indicator=feed.indicator(show),
            cue=None,
            lights=lights,
            next_auto=self._next_auto(show),
            refused_command=notice.command if notice is not None and refused else "",
            refused_reason=notice.text.removeprefix("GO refused: ") if notice is not None and refused else "",
            go_text=notice.text if notice is not None and notice.kind == "go" else "",
            ack_prompt=self._ack_prompt() if self.ack_mode else "",
            flash_on=(show.at_ns // FLASH_NS) % 2 == 0,
        )
        cue = show.standby
        if cue is None:
            return base
        compiled = plan.cues[cue.index]
        notes = compiled.cue.notes or ""
        if (
            not notes
            and compiled.segment is not None
            and (cue.index == 0 or plan.cues[cue.index - 1].segment != compiled.segment)
        ):
            segment = next((s for s in plan.show.segments if s.id == compiled.segment), None)
            if segment is not None and segment.notes:
                notes = f"(segment {segment.title}) {segment.notes}"
        return dataclasses.replace(
            base,
            cue=cue,
            standby_text=compiled.cue.standby_text,
            notes=notes.strip(),
            devices_down=self._devices_down(show),
        )

    def _devices_down(self, show: ShowSnapshot) -> tuple[str, ...]:
        """Devices the next GO sends to (the standby cue and the chain behind it) that are down."""
        cues = self.engine.plan.cues
        used: set[str] = set()
        for index in show.next_go:
            used |= cues[index].devices
        down = []
        for name in sorted(used):
            health = self.feed.devices.get(name)
            if health is not None and health.down:
                down.append(f"{name}: {health.detail or 'offline'}")
        return tuple(down)

    def _next_auto(self, show: ShowSnapshot) -> str:
        upcoming = show.next_auto
        if upcoming is None:
            return ""
        return f"{upcoming.dept} {upcoming.cue} in {countdown(upcoming.in_ns)}" + (" (held)" if upcoming.held else "")

    def _timecode(self, show: ShowSnapshot) -> str | None:
        position = show.timecode
        if position is None:
            return None
        if position.frame is None:
            return "--:--:--:--"
        text = timecode(position.frame, self.engine.plan.show.info.fps)
        return text if position.rolling else f"{text} stopped"

    def _timing(self, now: int) -> TimingState:
        if self._stats is None or now - self._stats_at >= STATS_EVERY_NS:
            self._stats, self._stats_at = self.scheduler.statistics(), now
        stats, feed = self._stats, self.feed
        return TimingState(
            last_cue=feed.last_cue_name or None,
            last_cue_late_us=feed.last_cue_late_us,
            p50_us=stats.lateness_p50_us,
            p99_us=stats.lateness_p99_us,
            max_us=stats.lateness_max_us,
            window=stats.window,
            priority=stats.priority or feed.timing_priority,
            realtime=stats.realtime,
            mode=stats.mode,
            late_sends=max(feed.late_sends, stats.late_over_1ms),
            last_late=feed.last_late,
            late_over_5ms=stats.late_over_5ms,
            restarts=stats.restarts,
        )

    def _ack_prompt(self) -> str:
        keys = "  ".join(f"{key} {dept}" for key, dept in self.dept_keys.items())
        return f" ACK: press {keys}   (Esc cancels) "

    # ---- commands -----------------------------------------------------------------------------

    def _command(self, name: str, command: Callable[[], Refusal | None]) -> Refusal | None:
        """Run an engine command; a failure of the machinery (timing core gone) is shown, never raised.
        A command carried out clears an earlier refusal from the standby box: it is no longer news."""
        try:
            refusal = command()
        except ShowcallError as exc:
            self.feed.note("error", f"{name} failed: {exc}")
            self.app.notify(f"{name} failed: {exc}", severity="error", timeout=10)
            return None
        if refusal is None:
            self.feed.clear_refusal()
        return refusal

    def _now_redraw(self) -> None:
        """Draw what a key just did at once, not on the next tick."""
        self.redraw(self.feed.take())

    def action_go(self) -> None:
        """GO: fire the cue on standby."""
        standby = self.engine.snapshot().standby
        refusal = self._command("go", lambda: self.engine.go(Source.OPERATOR))
        if refusal is None and standby is not None:
            self.feed.go_taken(standby.id, standby.dept)
        self._now_redraw()

    def action_panic(self) -> None:
        """PANIC: all stop."""
        self._command("panic", self.engine.panic)
        self._now_redraw()

    def action_hold(self) -> None:
        """Hold, or resume when held."""
        if self.engine.snapshot().held:
            self._command("resume", self.engine.resume)
        else:
            self._command("hold", lambda: self.engine.hold("held by the caller"))
        self._now_redraw()

    def action_back(self) -> None:
        """Playhead to the cue before."""
        self._command("back", self.engine.back)
        self._now_redraw()

    def action_standby_previous(self) -> None:
        """Move the standby up one cue (cues armed to fire by themselves are passed over)."""
        self._queue_steps(-1)

    def action_standby_next(self) -> None:
        """Move the standby down one cue (armed cues passed over; at the last cue: past the end)."""
        self._queue_steps(1)

    def _queue_steps(self, step: int) -> None:
        """Add up arrow presses and apply them once the keys already waiting are read, so a held-down
        arrow on a long show moves the standby once per batch instead of once per repeat."""
        self._pending_steps += step
        if not self._move_scheduled:
            self._move_scheduled = True
            self.call_later(self._apply_steps)

    def _apply_steps(self) -> None:
        self._move_scheduled = False
        steps, self._pending_steps = self._pending_steps, 0
        if steps:
            self._move_standby(steps)

    def _move_standby(self, steps: int) -> None:
        engine, show = self.engine, self.engine.snapshot()
        cues = show.cues
        step = 1 if steps > 0 else -1
        playhead = show.playhead if show.playhead is not None else len(cues)
        target = playhead
        for _ in range(abs(steps)):
            following = target + step
            while 0 <= following < len(cues) and cues[following].state is CueState.ARMED:
                following += step  # an armed cue fires by itself: standing it by would only fire it twice
            if not 0 <= following < len(cues):
                break
            target = following
        if target != playhead:
            cue = cues[target].id
            self._command("standby", lambda: engine.standby(cue))
        elif step < 0:
            self._command("standby", engine.back)  # at the top: refused, and says why
        else:
            self._command("standby", engine.skip)  # at the bottom: past the end, nothing on standby
        self._reselect()

    def action_standby_selected(self) -> None:
        """Put the selected cue on standby."""
        cues = self.query_one(CueList)
        if 0 <= cues.cursor < len(self.engine.plan.cues):
            cue = self.engine.plan.cues[cues.cursor].id
            self._command("standby", lambda: self.engine.standby(cue))
        self._reselect()

    def _reselect(self) -> None:
        """After the caller moved the standby, the selection is the standby again (the list follows it)."""
        cues = self.query_one(CueList)
        cues.cursor = cues.playhead
        self._now_redraw()

    def action_ack_mode(self) -> None:
        """Wait for a department key."""
        self.ack_mode = True
        self.draw_status(devices=False)

    def on_key(self, event: events.Key) -> None:
        """In ack mode, the next key names the department. Esc only cancels the prompt (a reflex to
        cancel must not be a PANIC); any other key cancels it and then does what it always does,
        so a GO is never swallowed."""
        if not self.ack_mode:
            return
        self.ack_mode = False
        dept = self.dept_keys.get((event.character or "").lower()) if event.key not in {"space", "escape"} else None
        if dept is not None or event.key == "escape":
            event.stop()
            event.prevent_default()
        if dept is not None:
            self._command("ack", lambda: self.engine.ack(dept))
        self._now_redraw()

    def action_find(self) -> None:
        """Find a cue; it becomes the selected cue."""
        from showcall.tui.screens.find import FindScreen

        self.app.push_screen(FindScreen(self.engine), self._found)

    def _found(self, index: int | None) -> None:
        if index is None:
            return
        cues = self.query_one(CueList)
        cues.cursor = index
        cues.show(index)

    def action_goto(self) -> None:
        """Rehearsal: choose a cue or segment and take it from there (the engine refuses it while a cue runs)."""
        engine = self.engine
        if not self.rehearsal:  # not even the question: a real show runs on the real time of day
            engine.announce(ev.Refused(engine.clock.now_ns(), command=GO_TO, reason=NOT_A_REHEARSAL))
            self._now_redraw()
            return
        from showcall.tui.screens.goto import GoToScreen

        self.app.push_screen(GoToScreen(engine.plan), self._go_to)

    def _go_to(self, point: RehearsalPoint | None) -> None:
        if point is None:
            return
        self._command(GO_TO, lambda: self.engine.rehearse_from(point))
        self._reselect()

    def action_browse(self, pages: int) -> None:
        """Move the selection by pages (the standby stays)."""
        cues = self.query_one(CueList)
        self.action_browse_to(max(0, min(len(self.engine.plan.cues) - 1, cues.cursor + pages * cues.rows_visible)))

    def action_browse_to(self, index: int) -> None:
        """Select cue `index` (-1: the last)."""
        cues = self.query_one(CueList)
        if not self.engine.plan.cues:
            return
        cues.cursor = index if index >= 0 else len(self.engine.plan.cues) - 1
        cues.show(cues.cursor)

    @on(CueList.RowClicked)
    def _clicked(self, message: CueList.RowClicked) -> None:
        self.query_one(CueList).cursor = message.index

    def action_help(self) -> None:
        """Show every key and what the marks mean."""
        from showcall.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.dept_keys), lambda go: self.action_go() if go else None)

    def action_changes(self) -> None:
        """List what changed since the last run, by department."""
        since = self.since_last
        if since is None or since.changes is None or since.changes.equal:
            self.app.notify("no changes to the show since the last run", timeout=4)
            return
        from showcall.diff import render_text
        from showcall.tui.screens.changes import ChangesScreen

        text = render_text(since.changes, "the last run", "this run")
        screen = ChangesScreen(since.changes.summary("since the last run"), text)
        self.app.push_screen(screen, lambda go: self.action_go() if go else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """T is only for a main or backup console."""
        return self.link is not None if action == "link" else True

    def action_link(self) -> None:
        """T: take over, hand over, go on alone, or the sends in doubt (see LinkKeys)."""
        if self.link_keys is not None:
            self.link_keys.press()
            self._now_redraw()

    def action_toggle_log(self) -> None:
        """Show the event log in place of the cue list (narrow screens), or back."""
        self.toggle_class("-show-log")

    def show_running(self) -> bool:
        """True while quitting would stop something: the show started, or a cue waits to fire by itself."""
        show = self.engine.snapshot()
        if show.ended:
            return False
        return show.started or show.next_auto is not None

    def action_request_quit(self) -> None:
        """Quit; while the show is running, only after the caller confirms."""
        if not self.show_running():
            self.quit_now()
            return
        from showcall.tui.screens.confirm import QuitScreen

        self.app.push_screen(QuitScreen(), lambda confirmed: self.quit_now() if confirmed else None)

    def quit_now(self) -> None:
        """Stop the show (nothing more fires) and leave the console once the timing core has confirmed
        its last sends (the engine's `end`; the runner bounds the wait, see showcall.runner.drain)."""
        if not self.engine.snapshot().ended:
            self._command("quit", lambda: self.engine.quit("quit from the console"))
        if self.engine.snapshot().ended:
            self._leave()
        else:
            self._now_redraw()  # the log says what it waits for; `end` brings the leaving

    def _leave(self) -> None:
        """Leave the console (once)."""
        if self._left:
            return
        self._left = True
        if self.quit_callback is not None:
            self.quit_callback()
        else:
            self.app.exit()
