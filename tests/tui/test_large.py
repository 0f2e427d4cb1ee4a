"""A 10,000-cue show: the console draws only what is on screen, whatever the show's length.

Rather than time anything (the figures are in `showcall bench console`), this counts the cue
rows actually rendered while the caller moves the standby, browses and GOes: it must stay in
proportion to the rows visible, never to the show.
"""

from __future__ import annotations

from showcall.bench.showgen import write_synthetic_show
from showcall.tui.widgets.cuelist import CueList

CUES = 10_000


async def test_moving_browsing_and_go_on_a_10000_cue_show_render_only_visible_rows(
    tmp_path, virtual_console, monkeypatch
):
    path = write_synthetic_show(tmp_path / "big.yaml", CUES)
    console = virtual_console(path, time_of_day="07:00:00")
    rendered: list[int] = []
    original = CueList._row

    def counting_row(self, view, width, *, cursor, standby):
        rendered.append(view.index)
        return original(self, view, width, cursor=cursor, standby=standby)

    monkeypatch.setattr(CueList, "_row", counting_row)
    async with console.app.run_test(size=(80, 24)) as pilot:
        cues = console.app.main_screen.query_one(CueList)
        assert len(console.engine.plan.cues) == CUES
        rendered.clear()
        keys = ["down"] * 20 + ["pagedown"] * 10 + ["end", "enter", "space"]
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        assert console.engine.snapshot().playhead is None  # GO fired the last cue: end of show
        assert console.engine.snapshot().cues[CUES - 1].state.value in {"fired", "complete"}
        assert len(rendered) <= (len(keys) + 2) * cues.rows_visible
        assert max(rendered) == CUES - 1
