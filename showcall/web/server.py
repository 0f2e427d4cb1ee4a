"""Provides `WebServer`: the crew's views over HTTP and one WebSocket per browser, on the engine's loop.

aiohttp serves it, embedded in the console's (or headless runner's) asyncio loop through `AppRunner`,
which leaves signal handling to showcall (uvicorn's `Server.serve` takes SIGINT and SIGTERM for itself).
The engine is not thread-safe, so the server is not in a thread: everything here is short callbacks, and
each browser's writes wait in that browser's own task (see hub.py), never in the engine's path.

Routes: `/` lists the views; `/dept/<DEPT>`, `/stage`, `/presenter`, `/caller` are the views (static HTML
from `static/`, the same for every show); `/static/...` their CSS and JS; `/show.json` the show's title and
departments for the index; `/ws` the WebSocket (protocol.py). Access: access.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSCloseCode, WSMsgType, web

from showcall.engine.engine import Engine, Refusal
from showcall.engine.snapshot import Source
from showcall.errors import ShowcallError
from showcall.web.access import COOKIE, VIEWS, Gate, Role, WebOptions
from showcall.web.hub import FLUSH_GAP_NS, Hub, Outbox, WebStatus
from showcall.web.protocol import dumps

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = ["DENIED", "STATIC", "WebServer", "start_web"]

STATIC = Path(__file__).parent / "static"
DENIED = 4403
"""WebSocket close code for a page that may not connect as it asked; the page says why and does not retry."""
MAX_COMMAND = 1024
HEARTBEAT_S = 5.0
"""aiohttp pings each browser this often and drops one that does not answer within half of it."""
COOKIE_MAX_AGE_S = 24 * 3600
CONTROL_VERBS = ("go", "hold", "resume", "panic")
CLOSE_S = 1.0
"""How long closing waits for browsers to be told the show stopped."""


def carry_out(engine: Engine, role: Role, verb: str) -> str | None:
    """Do a browser's command if its role allows; None when done, else the words of the refusal."""
    result: Refusal | None
    if verb == "ack":
        if not role.ack or role.dept is None:
            return "this page is view-only: it cannot acknowledge"
        result = engine.ack(role.dept)
    elif verb in CONTROL_VERBS:
        if not role.control:
            return f"this page cannot {verb}: only /caller?role=control, with showcall started with --web-control"
        if verb == "go":
            result = engine.go(Source.WEB)  # the engine's go_guard applies as to the console's GO
        elif verb == "hold":
            result = engine.hold(Source.WEB.value)
        elif verb == "resume":
            result = engine.resume()
        else:
            engine.panic()
            result = None
    else:
        return f"not a command: {verb[:40]!r}"
    return result.reason if result is not None else None


class WebServer:
    """The views' HTTP and WebSocket server (see the module docstring). `start()`, then `aclose()`."""

    def __init__(self, engine: Engine, options: WebOptions, *, flush_gap_ns: int = FLUSH_GAP_NS) -> None:
        self.engine = engine
        self.options = options
        self.flush_gap_ns = flush_gap_ns
        self.gate = Gate(options)
        self.hub: Hub | None = None
        self.sockets: set[web.WebSocketResponse] = set()
        self.url = ""
        self._runner: web.AppRunner | None = None

    @property
    def status(self) -> WebStatus:
        """Connected views and dropped messages, for the console's device line."""
        return self.hub.status if self.hub is not None else WebStatus()

    async def start(self) -> None:
        """Listen (ShowcallError when the address cannot be had)."""
        self.hub = Hub(self.engine, flush_gap_ns=self.flush_gap_ns)
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/", self._page("index.html"))
        app.router.add_get("/dept/{dept}", self._page("dept.html"))
        for view in VIEWS[1:]:
            app.router.add_get(f"/{view}", self._page(f"{view}.html"))
        app.router.add_get("/show.json", self._show_json)
        app.router.add_get("/ws", self._socket)
        app.router.add_static("/static", STATIC, append_version=False)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host, self.options.port, backlog=512)
        try:
            await site.start()
        except OSError as exc:
            await self.aclose()
            why = os.strerror(exc.errno) if exc.errno else str(exc)  # asyncio's own words repeat the address
            raise ShowcallError(f"cannot serve the web views on {self.options.where}: {why}") from exc
        port = self._runner.addresses[0][1]
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        self.url = f"http://{host}:{port}/"

    async def aclose(self) -> None:
        """Tell every browser the show stopped (they keep trying to reconnect), then stop listening.

        All at once, for at most `CLOSE_S`: a stalled browser must not hold up the end of the show.
        """
        telling = [asyncio.create_task(_going_away(socket)) for socket in self.sockets]
        if telling:
            _, late = await asyncio.wait(telling, timeout=CLOSE_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.hub is not None:
            self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- HTTP ---------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Host check, then the passcode: a key in the URL becomes a cookie; pages without one are refused."""
        if not self.gate.host_ok(request.headers.get("Host")):
            return _refusal(421, "This address is not served here: open the views by the server's IP address.")
        if request.path.startswith("/static/") or self.options.passcode is None:
            return await handler(request)
        key = request.query.get("key")
        if key is not None:
            remote = request.remote or "?"
            now = self.engine.clock.now_ns()
            if self.gate.shut_out(remote, now) or not self.gate.key_ok(key, remote, now):
                return _refusal(403, "Wrong passcode. Ask the show caller for the views' address.")
            rest = urlencode([(k, v) for k, v in request.query.items() if k != "key"])
            response = web.Response(status=303, headers={"Location": request.path + (f"?{rest}" if rest else "")})
            token = self.gate.token or ""
            response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="Strict", path="/")
            return response
        if request.path != "/ws" and not self.gate.admits(request.cookies.get(COOKIE)):
            return _refusal(401, "This view needs the show's passcode: open it once with ?key=PASSCODE.")
        return await handler(request)

    def _page(self, name: str) -> Handler:
        path = STATIC / name

        async def page(request: web.Request) -> web.StreamResponse:
            return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

        return page

    async def _show_json(self, request: web.Request) -> web.Response:
        assert self.hub is not None
        return web.json_response(self.hub.facts.fixed(), dumps=dumps)

    # ---- WebSocket ----------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if not self.gate.origin_ok(request.headers.get("Origin"), request.headers.get("Host")):
            return _refusal(403, "A page of another site may not open the views' connection.")
        hub = self.hub
        assert hub is not None
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_COMMAND, compress=False)
        await ws.prepare(request)
        query = request.query
        role: Role | str
        if not self.gate.admits(request.cookies.get(COOKIE)):
            role = "this view needs the show's passcode: open it once with ?key=PASSCODE"
        else:
            role = self.gate.role(
                query.get("view", ""), query.get("dept"), query.get("role", ""), hub.facts.departments
            )
        if isinstance(role, str):
            hub.status.refused += 1
            await ws.send_str(dumps({"type": "denied", "reason": role}))
            await ws.close(code=DENIED, message=b"denied")
            return ws
        self.sockets.add(ws)
        outbox = hub.join(role)
        writer = asyncio.create_task(self._write(ws, outbox))
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:  # the reply goes through the outbox: one writer per socket
                    outbox.put(dumps(self._command(role, message.data)))
                elif message.type is WSMsgType.ERROR:
                    break
        finally:
            hub.leave(outbox)
            self.sockets.discard(ws)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    @staticmethod
    async def _write(ws: web.WebSocketResponse, outbox: Outbox) -> None:
        """This browser's own writer: it alone waits when the browser reads slowly."""
        with contextlib.suppress(ConnectionError, RuntimeError):  # the browser went away mid-write
            while not ws.closed:
                for text in await outbox.wait_messages():
                    await ws.send_str(text)

    def _command(self, role: Role, data: str) -> dict[str, Any]:
        try:
            body = json.loads(data)
        except ValueError:
            body = None
        verb = body.get("type") if isinstance(body, dict) else None
        if not isinstance(verb, str):
            return {"type": "reply", "command": "", "ok": False, "reason": 'send {"type": "ack"}'}
        reason = carry_out(self.engine, role, verb)
        return {"type": "reply", "command": verb[:40], "ok": reason is None, "reason": reason or ""}


async def _going_away(socket: web.WebSocketResponse) -> None:
    with contextlib.suppress(Exception):  # a browser already gone has nothing to be told
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"showcall stopped")


def _refusal(status: int, words: str) -> web.Response:
    return web.Response(status=status, text=words + "\n", content_type="text/plain")


async def start_web(engine: Engine, options: WebOptions) -> WebServer:
    """A started `WebServer` for `engine` (ShowcallError when it cannot listen)."""
    server = WebServer(engine, options)
    await server.start()
    return server
