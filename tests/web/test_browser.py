"""The views in a real browser: Debian's chromium (headless) driven by Playwright, against a real
`showcall run --headless --sim --web` process. Playwright launches /usr/bin/chromium itself: it never
downloads a browser (`playwright install` is never run; .ci/run installs Debian's chromium)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .proxy import CuttableProxy

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOW = """\
showcall: 1
show: {title: Browser test, go_guard: 100ms}
devices:
  lx: {driver: eos, host: 127.0.0.1}
  snd: {driver: qlab, host: 127.0.0.1}
departments: {LX: {name: Lighting}, SND: {name: Audio}}
segments:
  - id: open
    title: Opening
    duration: 5m
    presenters: [Sam Rivera]
    notes: Enters stage left
    cues:
      - {id: "1", dept: LX, label: House to half, standby: Standby lights 1, actions: [{lx.fire: {cue: 1}}]}
      - {id: "2", dept: SND, label: Walk-in music out, actions: [{snd.stop: {cue: "1"}}]}
      - {id: "3", dept: LX, label: House out, actions: [{lx.fire: {cue: 2}}]}
"""
WAIT_MS = 10_000
"""Each wait for the page to show something: generous, since the whole suite shares two cores; a pass
takes tens of milliseconds."""


@dataclass
class Showcall:
    """A running `showcall run --headless --sim --web` and what it printed."""

    proc: subprocess.Popen[str]
    url: str
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)

    def command(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_event(self, name: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if event["event"] == name and all(event.get(k) == v for k, v in fields.items()):
                return event


@pytest.fixture(scope="module")
def showcall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Showcall]:
    tmp = tmp_path_factory.mktemp("browser")
    (tmp / "show.yaml").write_text(SHOW)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "showcall", "run", str(tmp / "show.yaml"), "--headless", "--sim", "--no-rt"),
            *("--log", str(tmp / "run.jsonl"), "--web", "127.0.0.1:0"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stderr.readline()
    assert "crew views on http://127.0.0.1:" in line, line + proc.stderr.read()
    running = Showcall(proc, line.split("crew views on ")[1].split()[0])

    def read() -> None:
        assert proc.stdout is not None
        for out in proc.stdout:
            running.events.put(json.loads(out))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    yield running
    running.command("quit")
    try:
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (.ci/run does)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)  # a fresh temporary profile
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    opened.close()
    assert errors == []  # no script error on any page


def open_view(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.showcall && window.showcall.snapshots >= 1", timeout=WAIT_MS)


def light_of(page: Page) -> str:
    return str(page.get_attribute("#light", "data-light"))


def test_the_cue_light_standby_acknowledge_and_go(showcall: Showcall, page: Page) -> None:
    open_view(page, showcall.url + "dept/LX")
    page.wait_for_function("document.getElementById('light').dataset.light === 'standby'", timeout=WAIT_MS)
    assert page.inner_text("#word") == "STANDBY"
    assert page.inner_text("#cue") == "LX 1"
    assert page.inner_text("#say") == "“Standby lights 1”"
    assert page.is_enabled("#ack")

    page.click("#ack")
    event = showcall.wait_event("ack", dept="LX")  # on the process's stdout: the engine took it
    assert event["cue"] == "1"
    page.wait_for_function("document.getElementById('light').dataset.light === 'acked'", timeout=WAIT_MS)
    assert page.inner_text("#word") == "STANDING BY"

    showcall.command("go")
    showcall.wait_event("go", cue="1")
    page.wait_for_function("document.getElementById('light').dataset.light === 'go'", timeout=WAIT_MS)
    assert page.inner_text("#word") == "GO"
    assert page.inner_text("#cue") == "LX 1"
    green = page.eval_on_selector("#light", "e => getComputedStyle(e).backgroundColor")
    assert green in {"rgb(31, 214, 95)", "rgb(182, 255, 208)"}  # the green, or the flash's light green


def test_space_acknowledges_and_a_view_only_page_has_no_button(showcall: Showcall, page: Page) -> None:
    open_view(page, showcall.url + "dept/SND")
    page.wait_for_function("document.getElementById('light').dataset.light === 'standby'", timeout=WAIT_MS)
    page.keyboard.press("Space")
    assert showcall.wait_event("ack", dept="SND")["cue"] == "2"
    open_view(page, showcall.url + "dept/SND?role=view")
    assert not page.is_visible("#ack")


def test_a_page_whose_connection_drops_reconnects_and_gets_the_state(showcall: Showcall, page: Page) -> None:
    port = int(showcall.url.rsplit(":", 1)[1].strip("/"))
    proxy = CuttableProxy(port)
    try:
        open_view(page, f"http://127.0.0.1:{proxy.port}/caller")
        before = page.evaluate("window.showcall.state.playhead")
        proxy.cut()  # the Wi-Fi goes
        page.wait_for_function("document.body.classList.contains('stale')", timeout=WAIT_MS)
        assert "RECONNECTING" in page.inner_text("#conn")
        showcall.command("skip")  # the show moves on meanwhile
        showcall.wait_event("standby")
        page.wait_for_function("window.showcall.snapshots >= 2", timeout=WAIT_MS)  # back, snapshot first
        assert not page.is_visible("#conn")
        after = page.evaluate("window.showcall.state.playhead")
        assert after != before
        assert page.inner_text("#sbhead").startswith("▶ ")
        assert f" {after} " in page.inner_text("#sbhead")
        assert proxy.accepted >= 2
    finally:
        proxy.close()


@pytest.mark.parametrize("view", ["stage", "presenter", "caller", ""])
def test_every_view_draws_from_the_server_state(showcall: Showcall, page: Page, view: str) -> None:
    open_view(page, showcall.url + view) if view else page.goto(showcall.url)
    if view == "stage":
        assert page.inner_text("#seg") in {"Opening", "not started"}
    elif view == "presenter":
        assert page.inner_text("#state") in {"TIME LEFT", "STARTING SOON", "ELAPSED", "WRAP UP"}
    elif view == "caller":
        assert page.inner_text("#title") == "Browser test"
    else:
        page.wait_for_selector("#depts a", timeout=WAIT_MS)
        assert page.inner_text("#depts") == "LX · Lighting\nSND · Audio"
