"""Provides who may open the browser views and what each page may do.

* **Where it listens.** Loopback (127.0.0.1, ::1, localhost) by default. Any other address needs a passcode:
  the views show the running order and can acknowledge standbys, so not everyone on a venue's network may.
* **The passcode.** A crew member opens a view once with `?key=PASSCODE`; the server answers with a cookie
  holding a token derived from the passcode (HMAC-SHA256) and sends the browser on to the same address
  without the key, so it is not left on screen or in the history. The token stays good across a restart of
  showcall with the same passcode (a phone mid-show does not need the key again) and dies with a new one.
  Five wrong keys in ten seconds from one address shut that address out for thirty seconds.
* **Roles, in the URL.** `/dept/LX` may acknowledge for LX and nothing else; `?role=view` makes any page
  view-only (a monitor in the green room); `/caller?role=control` may GO, hold, resume and panic, and only
  when showcall was started with `--web-control`. The passcode admits a browser; the role keeps each page
  to its job (an LX phone cannot ack for sound, a lobby screen cannot ack at all). Roles are not separate
  secrets: anyone with the passcode may open any role's address.
* **Other web pages.** A WebSocket from a page of another site is refused (its Origin is not this server),
  and on loopback a request must name a loopback host, so a page elsewhere cannot reach the views through
  a DNS name pointed at 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from showcall.errors import ShowcallError

__all__ = [
    "COOKIE",
    "MIN_PASSCODE",
    "VIEWS",
    "Gate",
    "Role",
    "WebAccessError",
    "WebOptions",
    "is_loopback",
    "parse_listen",
]

COOKIE = "showcall_web"
MIN_PASSCODE = 6
VIEWS = ("dept", "stage", "presenter", "caller")
WRONG_KEYS = 5
WRONG_WINDOW_NS = 10_000_000_000
SHUT_OUT_NS = 30_000_000_000


class WebAccessError(ShowcallError):
    """The web options are unsafe or unusable (a usage error: exit 2)."""


@dataclass(frozen=True)
class WebOptions:
    """Where the views listen, the passcode (None: loopback only), and whether the web may call the show."""

    host: str = "127.0.0.1"
    port: int = 8080
    passcode: str | None = None
    control: bool = False

    def check(self) -> None:
        """Refuse a bind beyond loopback without a passcode, and a passcode too short to mean anything."""
        if self.passcode is not None and len(self.passcode) < MIN_PASSCODE:
            raise WebAccessError(f"--web-passcode must be at least {MIN_PASSCODE} characters")
        if self.passcode is None and not is_loopback(self.host):
            raise WebAccessError(
                f"--web {self.host}:{self.port} listens beyond this machine: give --web-passcode too "
                "(crew then open the views once with ?key=PASSCODE)"
            )

    @property
    def where(self) -> str:
        """HOST:PORT as a URL writes it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_listen(text: str) -> tuple[str, int]:
    """`[HOST:]PORT` (`8080`, `:8080`, `0.0.0.0:8080`, `[::1]:8080`); the host defaults to 127.0.0.1.

    Raises ValueError with the words to show.
    """
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"write [HOST:]PORT, e.g. 8080 or 0.0.0.0:8080, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0..65535")
    return host, port


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Role:
    """What one connected page is and may do."""

    view: str
    dept: str | None = None
    ack: bool = False
    control: bool = False

    def describe(self) -> dict[str, object]:
        """The role as the first message tells the page."""
        return {"view": self.view, "dept": self.dept, "can_ack": self.ack, "can_control": self.control}


@dataclass
class Gate:
    """Checks each request against the options (see the module docstring)."""

    options: WebOptions
    _wrong: dict[str, deque[int]] = field(default_factory=dict)
    _shut_until: dict[str, int] = field(default_factory=dict)

    @property
    def token(self) -> str | None:
        """The cookie value a browser holds once it gave the passcode (None: no passcode needed)."""
        if self.options.passcode is None:
            return None
        return hmac.new(self.options.passcode.encode(), b"showcall web v1", hashlib.sha256).hexdigest()

    def admits(self, cookie: str | None) -> bool:
        """True when no passcode is set, or the cookie holds the passcode's token."""
        token = self.token
        return token is None or (cookie is not None and hmac.compare_digest(cookie.encode(), token.encode()))

    def shut_out(self, remote: str, now_ns: int) -> bool:
        """True while `remote` is shut out for giving wrong keys."""
        until = self._shut_until.get(remote)
        if until is None:
            return False
        if now_ns >= until:
            del self._shut_until[remote]
            return False
        return True

    def key_ok(self, key: str, remote: str, now_ns: int) -> bool:
        """Check a key given in a URL; wrong ones are counted against `remote`."""
        passcode = self.options.passcode
        if passcode is not None and hmac.compare_digest(key.encode(), passcode.encode()):
            self._wrong.pop(remote, None)
            return True
        wrong = self._wrong.setdefault(remote, deque())
        wrong.append(now_ns)
        while wrong and now_ns - wrong[0] > WRONG_WINDOW_NS:
            wrong.popleft()
        if len(wrong) >= WRONG_KEYS:
            self._shut_until[remote] = now_ns + SHUT_OUT_NS
            del self._wrong[remote]
        if len(self._wrong) > 1024:  # a scan from many addresses must not grow this without end
            self._wrong.clear()
        return False

    def host_ok(self, host_header: str | None) -> bool:
        """On loopback, the request must name a loopback host (no DNS name pointed at 127.0.0.1)."""
        if not is_loopback(self.options.host):
            return True  # the passcode guards a wider bind
        if not host_header:
            return False
        host = urlsplit(f"//{host_header}").hostname or ""
        return is_loopback(host)

    @staticmethod
    def origin_ok(origin: str | None, host_header: str | None) -> bool:
        """A WebSocket from a browser must come from a page of this server (no Origin: not a browser)."""
        if origin is None:
            return True
        return host_header is not None and urlsplit(origin).netloc.lower() == host_header.lower()

    def role(self, view: str, dept: str | None, asked: str, departments: dict[str, str]) -> Role | str:
        """The role of a page (`asked`: '', 'view', 'ack' or 'control'), or why it cannot have it."""
        if view not in VIEWS:
            return f"no view '{view}': views are {', '.join(VIEWS)}"
        if asked not in {"", "view", "ack", "control"}:
            return f"no role '{asked}': roles are view, ack (a department page) and control (the caller page)"
        if view == "dept":
            if dept is None or dept.upper() not in departments:
                return f"no department '{dept or ''}' in this show: {', '.join(departments)}"
            dept = dept.upper()
            if asked == "control":
                return "a department page cannot call the show: open /caller?role=control"
            return Role("dept", dept, ack=asked != "view")
        if asked == "ack":
            return "only a department page (/dept/LX) acknowledges"
        if asked == "control":
            if view != "caller":
                return "only the caller page (/caller?role=control) calls the show"
            if not self.options.control:
                return "this show takes no GO, hold or panic from the web: start showcall with --web-control"
            return Role("caller", control=True)
        return Role(view)
