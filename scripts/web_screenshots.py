"""Takes docs/web.md's screenshots: every view of a real rehearsal of shows/summit.yaml, at phone and desk size.

    .venv/bin/python scripts/web_screenshots.py [OUT_DIR]     (default docs/img)

Runs `showcall rehearse shows/summit.yaml --headless --web 127.0.0.1:PORT --from-segment welcome` (the
rehearsal clock at the welcome's planned 09:03), calls it (GO on VOG 20, sound acknowledges), and
photographs each view with Debian's chromium driven by Playwright (never `playwright install`): 390x844
(a phone) and 1280x800 (a desk screen). Then GO on 21, and the LX cue light is photographed green.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"phone": (390, 844), "desk": (1280, 800)}
VIEWS = {
    "dept-LX": "/dept/LX",
    "dept-SND": "/dept/SND",
    "stage": "/stage",
    "presenter": "/presenter",
    "caller": "/caller",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shoot(page: Page, url: str, out: Path) -> None:
    page.goto(url)
    page.wait_for_function("window.showcall && window.showcall.snapshots >= 1")
    # A standby light flashes; a picture of it is taken in its bright half (the flash held still).
    page.add_style_tag(content=".light.standby, .pill.standby { animation: none !important; }")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img"
    out_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "showcall", "rehearse", str(REPO / "shows" / "summit.yaml"), "--headless"),
                *("--no-rt", "--log", f"{tmp}/run.jsonl", "--web", f"127.0.0.1:{port}", "--from-segment", "welcome"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None and proc.stderr is not None
        try:
            line = proc.stderr.readline()
            if "crew views on" not in line:
                raise SystemExit(f"showcall did not start its views: {line}{proc.stderr.read()}")
            for command in ("go",):  # VOG 20, on the rehearsal clock at the welcome's planned 09:03
                proc.stdin.write(command + "\n")
                proc.stdin.flush()
                time.sleep(0.5)
            time.sleep(2.0)  # the welcome segment has run a little
            proc.stdin.write("ack SND\n")
            proc.stdin.flush()
            base = f"http://127.0.0.1:{port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for size, (width, height) in SIZES.items():
                    page = browser.new_page(viewport={"width": width, "height": height})
                    for name, path in VIEWS.items():
                        shoot(page, base + path, out_dir / f"web-{name}-{size}.png")
                    page.close()
                pages = {size: browser.new_page(viewport={"width": w, "height": h}) for size, (w, h) in SIZES.items()}
                for page in pages.values():
                    page.goto(base + "/dept/LX")
                    page.wait_for_function("window.showcall && window.showcall.snapshots >= 1")
                time.sleep(0.6)  # past the go_guard since the last GO
                proc.stdin.write("go\n")
                proc.stdin.flush()
                for size, page in pages.items():  # LX 21.1 follows 1 s after GO on 21: wait for its green
                    page.wait_for_function("document.getElementById('light').dataset.light === 'go'", timeout=5000)
                    page.wait_for_timeout(1200)  # past the one-second GO flash: the steady green
                    page.screenshot(path=str(out_dir / f"web-dept-LX-go-{size}.png"))
                browser.close()
            proc.stdin.write("quit\n")
            proc.stdin.flush()
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print(f"screenshots in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
