// Provides the stage / backstage view (/stage): the current and next segment, their talent and notes,
// and the time left in the segment, counted on the server's clock.
"use strict";

(() => {
  let state = null;

  function people(segment) {
    return segment && segment.presenters.length ? segment.presenters.join(" · ") : "";
  }

  function banner() {
    const el = document.getElementById("banner");
    const words = state.panicked ? "PANIC: everything stopped" : state.held ? "SHOW HELD" : state.ended ? "END OF SHOW" : "";
    el.textContent = words;
    el.className = "banner" + (words ? " on " + (state.panicked ? "panic" : state.held ? "hold" : "ended") : "");
  }

  function draw() {
    Showcall.text("tod", Showcall.timeOfDay(Showcall.todMs()));
    if (!state) return;
    const c = state.clocks;
    const t = ShowClocks.now(state);
    const seg = c.segment;
    Showcall.text("seg", seg ? seg.title : state.started ? "no segment" : "not started");
    Showcall.text("talent", people(seg));
    Showcall.text("notes", seg ? seg.notes : "");
    const left = document.getElementById("left");
    const word = document.getElementById("leftword");
    if (t.remaining === null) {
      Showcall.text("left", seg && t.elapsed !== null ? Showcall.clock(t.elapsed) : "-:--");
      Showcall.text("leftword", seg && t.elapsed !== null ? "elapsed (no planned length)" : "");
      left.className = "left mono";
    } else if (t.remaining >= 0) {
      Showcall.text("left", Showcall.clock(t.remaining));
      Showcall.text("leftword", "left in this segment");
      left.className = "left mono" + (t.remaining <= 60000 ? " warn" : "");
    } else {
      Showcall.text("left", "+" + Showcall.clock(-t.remaining));
      Showcall.text("leftword", "OVER the planned time");
      left.className = "left mono over";
    }
    word.className = left.className.includes("over") ? "people over" : "people";
    const next = c.next_segment;
    Showcall.text("nseg", next ? next.title : "–");
    Showcall.text("ntalent", people(next));
    Showcall.text("nnotes", next ? next.notes : "");
    Showcall.text("over", t.showOver === null ? "–" : "Running " + ShowClocks.overUnder(t.showOver));
    const sb = state.standby;
    Showcall.text("standby", sb ? `On standby: ${sb.dept} ${sb.id} · ${sb.label}` : "");
    banner();
  }

  setInterval(draw, 200);
  Showcall.start(
    { view: "stage", role: Showcall.role() },
    {
      onSnapshot(body) { Showcall.text("title", body.show.title); },
      onState(s) { state = s; draw(); },
    },
  );
})();
