"""Provides the caller's commands, once, for every way they arrive (stdin lines, OSC control).

Each command is a verb, the argument it takes (none, a cue id, a department) and the engine call
it makes. `perform` carries one out, or says why it cannot (the words to put in a `refused` event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from showcall.engine.engine import Engine
from showcall.engine.snapshot import Source


@dataclass(frozen=True)
class Call:
    """One command: its argument (None when it takes none) and what it does with the engine."""

    argument: str | None
    act: Callable[[Engine, str, Source], object]  # (engine, argument, source)


CALLS: dict[str, Call] = {
    "go": Call(None, lambda engine, _, source: engine.go(source)),
    "hold": Call(None, lambda engine, _, source: engine.hold(source.value if source is not Source.OPERATOR else "")),
    "resume": Call(None, lambda engine, _, __: engine.resume()),
    "back": Call(None, lambda engine, _, __: engine.back()),
    "skip": Call(None, lambda engine, _, __: engine.skip()),
    "standby": Call("a cue id", lambda engine, cue, _: engine.standby(cue)),
    "ack": Call("a department", lambda engine, dept, _: engine.ack(dept)),
    "panic": Call(None, lambda engine, _, __: engine.panic()),
    "reset": Call(None, lambda engine, _, __: engine.reset()),
    "quit": Call(None, lambda engine, _, __: engine.quit()),
}


def perform(engine: Engine, verb: str, arguments: list[str], source: Source) -> str | None:
    """Carry out `verb` with `arguments`; None when done, else why not (the engine may still refuse it
    on its own terms, with its own `refused` event)."""
    call = CALLS.get(verb)
    if call is None:
        return f"not a command; commands: {', '.join(CALLS)}"
    if call.argument is None and arguments:
        return f"{verb} takes no arguments"
    if call.argument is not None and len(arguments) != 1:
        return f"{verb} takes one argument ({call.argument})"
    call.act(engine, arguments[0] if arguments else "", source)
    return None
