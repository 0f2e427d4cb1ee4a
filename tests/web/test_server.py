"""The views' server with real HTTP and WebSocket clients on 127.0.0.1: snapshot first, commands by role,
the passcode, foreign pages refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from showcall.engine import events as ev
from showcall.web.server import DENIED

from .conftest import Serve
from support.engines import Rig


async def receive(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of type `kind` (ticks and others skipped)."""
    while True:
        message = await ws.receive(timeout=timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        body: dict[str, Any] = json.loads(message.data)
        if body["type"] == kind:
            return body


def acks(r: Rig) -> list[tuple[str, str]]:
    return [(e.dept, e.cue) for e in r.events if isinstance(e, ev.Ack)]


async def test_a_browser_gets_the_snapshot_first_then_events_with_the_state(serve: Serve) -> None:
    r, server = await serve()
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=dept&dept=LX") as ws:
        first = json.loads((await ws.receive(timeout=5)).data)
        assert first["type"] == "snapshot"
        assert first["you"] == {"view": "dept", "dept": "LX", "can_ack": True, "can_control": False}
        assert first["show"]["departments"] == {"LX": "Lighting", "SND": "Audio", "VID": "Video"}
        lx = first["state"]["departments"][0]
        assert (lx["light"], lx["cue"]["id"], lx["cue"]["standby"]) == ("standby", "1", "Standby lights 1")
        assert server.status.connected == 1 and server.status.views == {"dept": 1}
        r.engine.go()
        r.settle()
        message = await receive(ws, "event")
        assert [e["event"] for e in message["events"]][:2] == ["go", "standby"]
        assert message["events"][0]["cue"] == "1"
        assert message["state"]["playhead"] == "3"  # 2 follows 1: the next GO is 3's
        lx = message["state"]["departments"][0]  # LX went, and is at once on standby for 3: the page flashes GO
        assert (lx["light"], lx["cue"]["id"]) == ("standby", "3")


async def test_ack_from_a_department_page_reaches_the_engine(serve: Serve) -> None:
    r, server = await serve()
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=dept&dept=lx") as ws:
        await receive(ws, "snapshot")
        await ws.send_str(json.dumps({"type": "ack"}))
        assert await receive(ws, "reply") == {"type": "reply", "command": "ack", "ok": True, "reason": ""}
        message = await receive(ws, "event")
        assert [(e["event"], e["dept"], e["cue"]) for e in message["events"]] == [("ack", "LX", "1")]
        assert message["state"]["departments"][0]["light"] == "acked"
    assert acks(r) == [("LX", "1")]


async def test_the_engine_s_refusal_comes_back_in_words(serve: Serve) -> None:
    r, server = await serve()
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=dept&dept=SND") as ws:
        await receive(ws, "snapshot")
        await ws.send_str('{"type": "ack"}')  # SND's cue 2 follows 1: it is on standby too
        assert (await receive(ws, "reply"))["ok"] is True
        r.engine.go()
        r.settle()
        r.advance_to(2.5)
        await ws.send_str('{"type": "ack"}')
        reply = await receive(ws, "reply")
    assert reply == {"type": "reply", "command": "ack", "ok": False, "reason": "SND has nothing on standby"}


async def test_a_view_only_page_cannot_ack_and_nothing_on_the_web_can_go_without_web_control(serve: Serve) -> None:
    r, server = await serve()
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(server.url + "ws?view=dept&dept=LX&role=view") as ws:
            assert (await receive(ws, "snapshot"))["you"]["can_ack"] is False
            await ws.send_str('{"type": "ack"}')
            assert (await receive(ws, "reply"))["reason"] == "this page is view-only: it cannot acknowledge"
        async with http.ws_connect(server.url + "ws?view=dept&dept=LX") as ws:
            await receive(ws, "snapshot")
            for verb in ("go", "hold", "panic"):
                await ws.send_str(json.dumps({"type": verb}))
                assert (await receive(ws, "reply"))["reason"] == (
                    f"this page cannot {verb}: only /caller?role=control, with showcall started with --web-control"
                )
            for junk in ("not json", "[1]", '{"type": 3}', '{"type": "quit"}'):
                await ws.send_str(junk)
                assert (await receive(ws, "reply"))["ok"] is False
        async with http.ws_connect(server.url + "ws?view=caller&role=control") as ws:
            denied = await receive(ws, "denied")
            assert denied["reason"] == (
                "this show takes no GO, hold or panic from the web: start showcall with --web-control"
            )
            await ws.receive(timeout=5)
            assert ws.close_code == DENIED
    assert [e.name for e in r.events if e.name in {"go", "hold", "panic", "ack"}] == []


async def test_with_web_control_the_caller_page_goes_under_the_go_guard(serve: Serve) -> None:
    r, server = await serve(control=True)
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=caller&role=control") as ws:
        assert (await receive(ws, "snapshot"))["you"]["can_control"] is True
        await ws.send_str('{"type": "go"}')
        assert (await receive(ws, "reply"))["ok"] is True
        r.settle()
        await ws.send_str('{"type": "go"}')  # no virtual time has passed: inside the 250 ms guard
        refused = await receive(ws, "reply")
        await ws.send_str('{"type": "hold"}')
        assert (await receive(ws, "reply"))["ok"] is True
        await ws.send_str('{"type": "resume"}')
        assert (await receive(ws, "reply"))["ok"] is True
    assert refused["reason"] == "GO refused: 0.00 s after the last GO, guard is 0.25 s"
    assert next((e.cue, e.source) for e in r.events if isinstance(e, ev.Go)) == ("1", "web")
    assert [e.reason for e in r.events if isinstance(e, ev.Hold)] == ["web"]


async def test_static_pages_and_the_show_facts(serve: Serve) -> None:
    _, server = await serve()
    async with aiohttp.ClientSession() as http:
        for path in ("", "dept/LX", "stage", "presenter", "caller", "static/showcall.js", "static/showcall.css"):
            async with http.get(server.url + path) as response:
                assert response.status == 200, path
        async with http.get(server.url + "show.json") as response:
            assert await response.json() == {
                "title": "Engine test",
                "venue": "",
                "departments": {"LX": "Lighting", "SND": "Audio", "VID": "Video"},
                "cues": 4,
            }


async def test_the_passcode_once_in_the_url_then_a_cookie(serve: Serve) -> None:
    _, server = await serve(passcode="gaffer-tape")
    # unsafe=True: aiohttp's jar, unlike a browser's, keeps no cookie for a bare IP address by default
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(server.url + "dept/LX") as response:
            assert response.status == 401
            assert await response.text() == "This view needs the show's passcode: open it once with ?key=PASSCODE.\n"
        async with http.get(server.url + "dept/LX?key=wrong&role=view") as response:
            assert response.status == 403
        async with http.ws_connect(server.url + "ws?view=stage") as ws:
            assert (await receive(ws, "denied"))["reason"] == (
                "this view needs the show's passcode: open it once with ?key=PASSCODE"
            )
        async with http.get(server.url + "dept/LX?key=gaffer-tape&role=view", allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dept/LX?role=view"  # the key is not left in the address
            assert "HttpOnly" in response.headers["Set-Cookie"]
        async with http.get(server.url + "dept/LX?role=view") as response:
            assert response.status == 200
        async with http.ws_connect(server.url + "ws?view=stage") as ws:
            assert (await receive(ws, "snapshot"))["you"]["view"] == "stage"


async def test_five_wrong_keys_and_the_right_one_is_refused_too(serve: Serve) -> None:
    _, server = await serve(passcode="gaffer-tape")
    async with aiohttp.ClientSession() as http:
        for _ in range(5):
            async with http.get(server.url + "stage?key=guess") as response:
                assert response.status == 403
        async with http.get(server.url + "stage?key=gaffer-tape", allow_redirects=False) as response:
            assert response.status == 403  # shut out for 30 s: guessing does not pay


async def test_pages_of_other_sites_and_rebound_names_are_refused(serve: Serve) -> None:
    _, server = await serve()
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + "ws?view=stage", headers={"Origin": "http://evil.example"}) as response:
            assert response.status == 403
        async with http.get(server.url + "stage", headers={"Host": "evil.example:8080"}) as response:
            assert response.status == 421


async def test_a_burst_of_events_becomes_few_messages(serve: Serve) -> None:
    r, server = await serve(flush_gap_ns=50_000_000)
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=caller") as ws:
        await receive(ws, "snapshot")
        for i in range(200):
            r.engine.announce(ev.ErrorEvent(r.clock.now_ns(), message=f"burst {i}"))
        messages = []
        seen = 0
        while seen < 200:
            message = await receive(ws, "event")
            messages.append(message)
            seen += len(message["events"])
    assert len(messages) <= 3  # one on the next loop turn, the rest after the flush gap
    assert [e["message"] for m in messages for e in m["events"]] == [f"burst {i}" for i in range(200)]


async def test_closing_the_server_tells_browsers_it_stopped(serve: Serve) -> None:
    _, server = await serve()
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=presenter") as ws:
        await receive(ws, "snapshot")
        closing = asyncio.create_task(server.aclose())
        message = await ws.receive(timeout=5)
        await closing
    assert message.type is aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 1001
    assert server.status.connected == 0
