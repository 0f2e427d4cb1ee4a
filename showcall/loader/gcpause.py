"""Provides `gc_paused`: the cyclic garbage collector held off while a show is read or compiled.

Reading and compiling a 10,000-cue show allocates a few million objects, none of them in a
reference cycle, and the collector's repeated passes over the growing heap took more than half the
load time (measured 4.8 s with it, 1.7 s without; see docs/performance.md). Reference counting
still frees everything as usual; only the search for cycles waits until the block ends.

At the end of the block the objects made in it (a show's ~300,000 live containers) would all sit in
the youngest generation, and the first allocation after it would pay for one pass over every one
of them (0.15-0.3 s for 10,000 cues). They are long-lived data, so they are moved straight to the
oldest generation instead (gc.freeze then gc.unfreeze moves every tracked object there, without
a pass), where the collector's rare full collections see them, as they would have anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block (nested uses are fine), then restore it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # unfreeze would also thaw whatever the application froze itself
            gc.freeze()
            gc.unfreeze()
        gc.enable()
