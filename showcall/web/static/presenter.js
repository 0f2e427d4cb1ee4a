// Provides the presenter's confidence monitor (/presenter): the segment's time left, huge; amber with the
// words WRAP UP in its last minute (or last fifth, for a short segment), red with OVER once past it.
"use strict";

(() => {
  const WRAP_MS = 60000;
  let state = null;

  function draw() {
    if (!state) return;
    const t = ShowClocks.now(state);
    const seg = state.clocks.segment;
    const box = document.getElementById("presenter");
    let kind = "time";
    let word = "TIME LEFT";
    let count = "-:--";
    if (state.held) {
      kind = "held";
      word = "HOLD";
    }
    if (t.remaining !== null) {
      const planned = seg && seg.planned_duration_ns ? seg.planned_duration_ns / 1e6 : null;
      const wrap = planned ? Math.min(WRAP_MS, planned / 5) : WRAP_MS;
      if (t.remaining < 0) {
        count = "+" + Showcall.clock(-t.remaining);
        kind = "over";
        word = state.held ? "HOLD · OVER" : "OVER";
      } else {
        count = Showcall.clock(t.remaining);
        if (t.remaining <= wrap && !state.held) {
          kind = "wrap";
          word = "WRAP UP";
        }
      }
    } else if (t.elapsed !== null) {
      count = Showcall.clock(t.elapsed);
      word = "ELAPSED";
    } else {
      word = state.ended ? "END OF SHOW" : "STARTING SOON";
    }
    box.className = "presenter " + kind;
    box.dataset.kind = kind;
    Showcall.text("state", word);
    Showcall.text("count", count);
    Showcall.text("segment", seg ? seg.title : "");
    Showcall.text("under", t.showOver === null ? "" : "show running " + ShowClocks.overUnder(t.showOver));
  }

  setInterval(draw, 100);
  Showcall.start({ view: "presenter", role: Showcall.role() }, { onState(s) { state = s; draw(); } });
})();
