"""Every example show rehearsed for real (headless, --auto, --log), then reported: the report's per-cue
counts must match a recount made here, independently, from the log's raw lines; its text must fit 80
columns; its HTML must open in headless Chromium without a console message.

The four rehearsals run side by side in one fixture (real processes, real timing core, simulators):
about 90 s in all, the length of the summit show's longest cue (a 45 s wait) and its chains.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from showcall.compile.showfile import require_plan

from support.rehearsal import start_rehearsal
from support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
SHOWS = sorted((REPO / "shows").glob("*.yaml"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("rehearsals")
    runs = []
    for show in SHOWS:
        order = [c.cue.id for c in require_plan(show).cues]
        runs.append(start_rehearsal(show, folder / f"{show.stem}.jsonl", order))
    try:
        with ThreadPoolExecutor(len(runs)) as pool:  # each run needs its driver at once: they run side by side
            finished = {run.show.stem: pool.submit(run.finish, 300) for run in runs}
            statuses = {stem: future.result() for stem, future in finished.items()}
    finally:
        for run in runs:
            if run.process.poll() is None:
                run.process.kill()
            run.close()
    assert statuses == {show.stem: 0 for show in SHOWS}
    yield {run.show.stem: run.log for run in runs}


def report(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "showcall", "report", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def last_run(log: Path) -> list[dict[str, Any]]:
    """The raw events of the log's last run: from its last `loaded` line that is not a resume."""
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    starts = [i for i, e in enumerate(events) if e["event"] == "loaded" and not e.get("resumed")]
    return events[starts[-1] :]


@pytest.mark.parametrize("show", [s.stem for s in SHOWS])
def test_the_reports_counts_are_the_logs_exactly(logs: dict[str, Path], show: str) -> None:
    events = last_run(logs[show])
    gos = Counter(e["cue"] for e in events if e["event"] == "go")
    sources = Counter((e["cue"], e["source"]) for e in events if e["event"] == "go")
    sends = Counter(e["cue"] for e in events if e["event"] == "sent")
    failed = Counter(e["cue"] for e in events if e["event"] == "send_failed")
    all_sources = Counter(e["source"] for e in events if e["event"] == "go")

    result = report(logs[show], "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    cues = {c["id"]: c for c in data["cues"]}

    assert {i: c["fired"] for i, c in cues.items() if c["fired"]} == dict(gos)
    assert {(i, s): n for i, c in cues.items() for s, n in c["sources"].items()} == dict(sources)
    assert {i: c["sends"] for i, c in cues.items() if c["sends"]} == dict(sends)
    assert {i: len(c["failed_sends"]) for i, c in cues.items() if c["failed_sends"]} == dict(failed)
    totals = data["totals"]
    assert totals["cues_fired"] == len(gos)
    assert totals["gos"] == sum(gos.values())
    assert totals["by_source"] == dict(all_sources)
    assert totals["sends"] == sum(sends.values())
    assert totals["failed_sends"] == sum(failed.values())
    assert data["timing"]["late_us"]["count"] == sum(sends.values())
    assert sorted(cues) == sorted(c.cue.id for c in require_plan(REPO / "shows" / f"{show}.yaml").cues)


@pytest.mark.parametrize("show", [s.stem for s in SHOWS])
def test_the_text_report_fits_80_columns_and_names_every_problem(logs: dict[str, Path], show: str) -> None:
    brief, full = report(logs[show]), report(logs[show], "--all")
    assert brief.returncode == full.returncode == 0
    for text in (brief.stdout, full.stdout):
        assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads(report(logs[show], "--json").stdout)
    for cue in data["cues"]:
        name = f"{cue['dept']} {cue['id']}"
        assert (f"\n  {name} " in full.stdout) is True
        if cue["problems"]:
            assert f"\n  {name} " in brief.stdout
            for problem in cue["problems"]:
                assert f"! {problem}"[:40] in brief.stdout


def console_messages(page: Path, tmp_path: Path) -> tuple[str, str]:
    """Open `page` in headless Chromium: (the DOM it rendered, its console messages)."""
    chromium = require_tool("chromium", "chromium")
    result = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, "\n".join(line for line in result.stderr.splitlines() if ":CONSOLE" in line)


def test_a_page_with_a_script_error_is_caught(tmp_path: Path) -> None:
    """The check below can fail: a page that logs an error is seen."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); nosuch();</script></body></html>")
    _, console = console_messages(page, tmp_path)
    assert '"boom"' in console and "nosuch is not defined" in console


@pytest.mark.parametrize("show", ["summit", "theatre"])
def test_the_html_report_opens_in_chromium_without_errors(logs: dict[str, Path], show: str, tmp_path: Path) -> None:
    page = tmp_path / f"{show}.html"
    result = report(logs[show], "--html", page)
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    for outside in ("<script", "src=", "href=", "url(", "@import", "<link"):
        assert outside not in html  # nothing is fetched when the page is opened
    dom, console = console_messages(page, tmp_path)
    assert console == ""
    assert dom.count("<svg") == (2 if show == "summit" else 1)  # theatre: a flat cue list, no run of show to plot
    assert "Send lateness" in dom and "<table>" in dom
