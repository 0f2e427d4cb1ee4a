// Provides the caller mirror (/caller): the console's standby box, the cue list around the playhead, the
// clocks and device health, read-only for a producer at the tech table. With showcall started with
// --web-control, /caller?role=control also has GO, HOLD/RESUME and PANIC (GO under the show's go_guard).
"use strict";

(() => {
  const MARK = { idle: "·", standby: "▣", acked: "■", go: "●" };
  const LIGHT_WORD = { idle: "", standby: "standby", acked: "acked", go: "GO" };
  const DEVICE_MARK = { online: "●", offline: "✕", connecting: "◌", simulated: "◇" };
  let state = null;
  let you = null;
  let goFlashUntil = 0;
  let noticeTimer = null;

  function el(tag, cls, words) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (words !== undefined) e.textContent = words;
    return e;
  }

  function notice(words, kind) {
    const n = document.getElementById("notice");
    n.textContent = words;
    n.className = "notice " + kind;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.textContent = ""; n.className = "notice"; }, 5000);
  }

  function late(us) {
    if (us === null || us === undefined) return "";
    return us < 1000 ? `+${Math.round(us)}µs` : `+${(us / 1000).toFixed(1)}ms`;
  }

  function drawClocks() {
    Showcall.text("tod", Showcall.timeOfDay(Showcall.todMs()));
    if (!state) return;
    const t = ShowClocks.now(state);
    const seg = state.clocks.segment;
    const rehearsal = state.rehearsal_clock ? ` (rehearsal clock${state.speed > 1 ? " ×" + state.speed : ""})` : "";
    Showcall.text("elapsed", (t.showElapsed === null ? "not started" : Showcall.clock(t.showElapsed)) + rehearsal);
    Showcall.text("over", ShowClocks.overUnder(t.showOver));
    let segWords = "–";
    if (seg) {
      segWords = `${seg.title} ${Showcall.clock(t.elapsed)}`;
      if (t.remaining !== null) segWords += t.remaining >= 0 ? ` (${Showcall.clock(t.remaining)} left)` : ` (+${Showcall.clock(-t.remaining)} OVER)`;
    }
    Showcall.text("segment", segWords);
    const auto = state.next_auto;
    Showcall.text("auto", auto ? `${auto.dept} ${auto.cue} in ${Showcall.clock(Math.max(0, t.autoIn))}${auto.held ? " (held)" : ""}` : "–");
    document.getElementById("standbybox").classList.toggle("go", performance.now() < goFlashUntil);
  }

  function draw() {
    if (!state) return;
    const sb = state.standby;
    Showcall.text("sbhead", sb ? `▶ ${sb.dept} ${sb.id}  ${sb.label}` : "■ End of show: nothing on standby");
    Showcall.text("sbsay", sb ? `“${sb.standby}”` : "");
    const lights = document.getElementById("lights");
    lights.replaceChildren(
      ...state.departments.map((d) => {
        const words = LIGHT_WORD[d.light];
        const pill = el("span", "pill " + d.light, `${d.dept} ${MARK[d.light]}${words ? " " + words : ""}`);
        pill.dataset.dept = d.dept;
        return pill;
      }),
    );
    const banner = document.getElementById("banner");
    const words = state.panicked ? "PANIC: every pending send cancelled" : state.held ? "HELD: countdowns stopped, nothing automatic fires" : state.ended ? "END OF SHOW" : "";
    banner.textContent = words;
    banner.className = "banner" + (words ? " on " + (state.panicked ? "panic" : state.held ? "hold" : "ended") : "");
    const rows = state.cues.map((c) => {
      const tr = el("tr", c.id === state.playhead ? "playhead" : c.state === "complete" ? "done" : c.state === "failed" ? "failed" : "");
      tr.append(
        el("td", "", c.id === state.playhead ? "▶" : ""),
        el("td", "", c.id),
        el("td", "", c.dept),
        el("td", "label", c.label),
        el("td", "wide", c.trigger),
        el("td", "", c.id === state.playhead ? "STANDBY" : c.passed && c.state === "pending" ? "passed" : c.state + (c.missed ? " (missed)" : "")),
        el("td", "wide", late(c.late_us)),
      );
      return tr;
    });
    document.getElementById("cues").replaceChildren(...rows);
    document.getElementById("devices").replaceChildren(
      el("b", "", "DEVICES"),
      ...state.devices.map((d) => {
        const down = d.status === "offline";
        return el("span", down ? "down" : "", `${d.name} ${DEVICE_MARK[d.status] || "?"}${down ? " " + (d.detail || "offline") : ""}`);
      }),
    );
    const hold = document.getElementById("holdbutton");
    hold.textContent = state.held ? "RESUME" : "HOLD";
    hold.dataset.command = state.held ? "resume" : "hold";
    drawClocks();
  }

  for (const button of document.querySelectorAll("#controls button")) {
    button.addEventListener("click", () => {
      if (!Showcall.send({ type: button.dataset.command })) notice("Not connected: nothing was sent", "bad");
    });
  }

  setInterval(drawClocks, 100);
  Showcall.start(
    { view: "caller", role: Showcall.role() },
    {
      onSnapshot(body) {
        you = body.you;
        Showcall.text("title", body.show.title);
        document.getElementById("controls").classList.toggle("on", you.can_control);
      },
      onEvents(events) {
        for (const e of events) {
          if (e.event === "go") goFlashUntil = performance.now() + 1000;
          if (e.event === "refused") notice(`${e.command} refused: ${e.reason}`, "bad");
          if (e.event === "ack") notice(`${e.dept} ${e.cue} standing by`, "good");
        }
      },
      onState(s) { state = s; draw(); },
      onReply(reply) { if (!reply.ok) notice(`${reply.command || "command"} refused: ${reply.reason}`, "bad"); },
    },
  );
})();
