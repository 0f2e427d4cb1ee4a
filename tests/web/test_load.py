"""The server under many and bad browsers, with real clients on 127.0.0.1: 200 connecting and dropping at
random survive with memory flat; a browser that never reads costs bounded memory and holds nobody up."""

from __future__ import annotations

import asyncio
import gc
import json
import random
import tracemalloc

import aiohttp
import pytest

from showcall.engine import events as ev
from showcall.web.hub import OUTBOX_LIMIT

from .conftest import Serve
from .rawclient import handshake, reset
from .test_server import receive

CLIENTS = 200
ROUNDS = 3
LEAK_BOUND = 1_500_000
"""Bytes the Python heap may grow between round 1 and round 3 (400 connections later). One browser's
outbox full of messages is ~16 x 2.5 kB = 40 kB and its socket and tasks several kB more, so keeping even
a tenth of the connections would pass 1.5 MB; what remains is the interpreter's own caches settling."""


async def one_browser(url: str, port: int, rng: random.Random) -> None:
    """Connect, maybe read a little, then leave one of three ways: politely, at once, or by a reset."""
    await asyncio.sleep(rng.random() * 0.2)
    way = rng.choice(["polite", "hasty", "reset"])
    view = rng.choice(["dept&dept=LX", "stage", "presenter", "caller", "dept&dept=SND&role=view"])
    if way == "reset":
        reader, writer = await handshake(port, f"view={view}")
        await reader.read(rng.randint(1, 3000))
        reset(writer)
        return
    async with aiohttp.ClientSession() as http, http.ws_connect(url + f"ws?view={view}") as ws:
        if way == "polite":
            await receive(ws, "snapshot")
            await asyncio.sleep(rng.random() * 0.1)


async def test_200_browsers_connecting_and_dropping_at_random(serve: Serve) -> None:
    r, server = await serve()
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    rng = random.Random(11)
    running = True

    async def show_goes_on() -> None:  # events keep flowing while browsers come and go
        i = 0
        while running:
            r.engine.announce(ev.ErrorEvent(r.clock.now_ns(), message=f"tick {i}"))
            i += 1
            await asyncio.sleep(0.002)

    events = asyncio.create_task(show_goes_on())
    tracemalloc.start()
    sizes = []
    try:
        for _ in range(ROUNDS):
            await asyncio.gather(*(one_browser(server.url, port, rng) for _ in range(CLIENTS)))
            for _ in range(200):  # the server notices the last closes
                if server.status.connected == 0:
                    break
                await asyncio.sleep(0.01)
            assert server.status.connected == 0
            gc.collect()
            sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        running = False
        await events
        tracemalloc.stop()
    assert server.hub is not None and server.hub.outboxes == set()
    print(f"heap after each round of {CLIENTS}: {sizes}")
    assert sizes[-1] - sizes[0] < LEAK_BOUND, sizes
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=dept&dept=LX") as ws:
        assert (await receive(ws, "snapshot"))["state"]["playhead"] == "1"  # and it still serves


async def test_a_browser_that_never_reads_loses_old_messages_and_holds_nobody_up(serve: Serve) -> None:
    r, server = await serve()
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    _, stalled_writer = await handshake(port, "view=caller", rcvbuf=4096)  # never read from again
    assert server.hub is not None
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "ws?view=stage") as ws:
        await receive(ws, "snapshot")
        padding = "x" * 2000  # each message ~5 kB: 1,500 of them fill any socket buffer many times over

        async def read_all() -> int:  # a healthy browser keeps up
            while True:
                message = json.loads((await ws.receive(timeout=10)).data)
                if message["type"] == "event" and message["events"]:
                    last = int(message["events"][-1]["message"].split()[0])
                    if last == 1499:
                        return last

        reading = asyncio.create_task(read_all())
        for i in range(1500):
            r.engine.announce(ev.ErrorEvent(r.clock.now_ns(), message=f"{i} {padding}"))
            await asyncio.sleep(0)  # a loop turn: the hub flushes, writers write
        last = await reading
        (stalled,) = [o for o in server.hub.outboxes if o.role.view == "caller"]
        (healthy,) = [o for o in server.hub.outboxes if o.role.view == "stage"]
        assert stalled.dropped > 0 and len(stalled.queue) <= OUTBOX_LIMIT
        assert healthy.dropped == 0
        assert server.status.dropped == stalled.dropped
        assert last == 1499  # the healthy browser saw every event, the stalled one notwithstanding
    reset(stalled_writer)


@pytest.mark.slow
async def test_closing_with_stalled_browsers_takes_at_most_a_second(serve: Serve) -> None:
    _, server = await serve()
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    writers = [(await handshake(port, "view=caller", rcvbuf=4096))[1] for _ in range(20)]
    for _ in range(100):
        if server.status.connected == 20:
            break
        await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await server.aclose()
    # Real clock. A stalled browser never answers the close frame, so each close waits out CLOSE_S (1 s): all
    # together that is 1 s, one after another 20 s. 3 s tells the two apart with room for a loaded machine.
    assert loop.time() - started < 3.0
    for writer in writers:
        reset(writer)
