// Provides the department cue light (/dept/LX): standby flashes red, acknowledged is steady red, GO is
// green (flashing for a second with the cue number), each with its word and shape. Acknowledge (button or
// Space) sends `ack` for this department; the caller's console shows it.
"use strict";

(() => {
  const dept = decodeURIComponent(location.pathname.split("/")[2] || "").toUpperCase();
  const FLASH_MS = 1000;
  const WORDS = { idle: "IDLE", standby: "STANDBY", acked: "STANDING BY", go: "GO" };
  let state = null;
  let you = null;
  let flash = null; // {cue, until}
  let noticeTimer = null;

  Showcall.text("who", dept);
  Showcall.text("dept2", dept);
  document.title = `${dept} cue light · showcall`;

  function mine(s) {
    return s.departments.find((d) => d.dept === dept) || null;
  }

  function notice(words, kind) {
    const el = document.getElementById("notice");
    el.textContent = words;
    el.className = "notice " + kind;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { el.textContent = ""; el.className = "notice"; }, 4000);
  }

  function draw() {
    if (!state) return;
    const d = mine(state);
    const light = document.getElementById("light");
    let kind = d ? d.light : "idle";
    let cue = d ? d.cue : null;
    const flashing = flash && performance.now() < flash.until;
    if (flashing) {
      kind = "go";
      cue = flash.cue;
    }
    light.className = `light ${kind}${flashing ? " flash" : ""}`;
    light.dataset.light = kind;
    Showcall.text("word", WORDS[kind]);
    const shown = kind === "idle" ? null : cue;
    Showcall.text("cue", shown ? `${dept} ${shown.id}` : state.ended ? "end of show" : "nothing on standby");
    Showcall.text("label", shown ? shown.label : "");
    Showcall.text("say", shown && kind !== "go" ? `“${shown.standby}”` : "");
    Showcall.text("notes", shown && kind !== "go" ? shown.notes : "");
    const next = d ? d.next : null;
    Showcall.text("next", next && (!shown || next.id !== shown.id) ? `${dept} ${next.id} · ${next.label}` : next ? "this one" : "nothing more");
    const banner = document.getElementById("banner");
    const words = state.panicked ? "PANIC: everything stopped" : state.held ? "SHOW HELD: wait" : state.ended ? "END OF SHOW" : "";
    banner.textContent = words;
    banner.className = "banner" + (words ? " on " + (state.panicked ? "panic" : state.held ? "hold" : "ended") : "");
    const ack = document.getElementById("ack");
    const canAck = you && you.can_ack;
    ack.classList.toggle("viewonly", !canAck);
    ack.disabled = !canAck || !d || d.light !== "standby";
    ack.innerHTML = d && d.light === "acked" ? "STANDING BY ✓" : "ACKNOWLEDGE <small>(Space)</small>";
  }

  function acknowledge() {
    if (!you || !you.can_ack) return;
    if (!Showcall.send({ type: "ack" })) notice("Not connected: the acknowledge did not go", "bad");
  }

  document.getElementById("ack").addEventListener("click", acknowledge);
  document.addEventListener("keydown", (key) => {
    if (key.code === "Space" && !key.repeat) {
      key.preventDefault();
      acknowledge();
    }
  });

  setInterval(() => {
    Showcall.text("tod", Showcall.timeOfDay(Showcall.todMs()));
    if (flash && performance.now() >= flash.until) {
      flash = null;
      draw();
    }
  }, 100);

  Showcall.start(
    { view: "dept", dept, role: Showcall.role() },
    {
      onSnapshot(body) {
        you = body.you;
        Showcall.text("title", body.show.title);
      },
      onEvents(events) {
        for (const e of events) {
          if (e.event === "go" && e.dept === dept) {
            const d = state && mine(state);
            const words = (d && d.cue && d.cue.id === e.cue && d.cue) || { id: e.cue, label: "", standby: "", notes: "" };
            flash = { cue: words, until: performance.now() + FLASH_MS };
          }
          if (e.event === "ack" && e.dept === dept) notice(`${dept} ${e.cue}: standing by, the caller sees it`, "good");
        }
      },
      onState(s) {
        state = s;
        if (flash && flash.cue.label === "") {
          const d = mine(s);
          if (d && d.cue && d.cue.id === flash.cue.id) flash.cue = d.cue;
        }
        draw();
      },
      onReply(reply) {
        if (!reply.ok) notice(`${reply.command || "command"} refused: ${reply.reason}`, "bad");
      },
      onDenied(reason) {
        Showcall.text("word", "NOT CONNECTED");
        Showcall.text("cue", "");
        Showcall.text("label", reason);
      },
    },
  );
})();
