// Provides every view's connection to showcall: one WebSocket, reconnect with backoff, the server's clock.
//
// The first message after each (re)connect is a `snapshot` (the whole state), then `event` messages (events
// and the state after them) and a `tick` a second. Countdowns run from the server's clock: each message
// carries the server's monotonic time (at_ns), the show's time of day (tod_ns) and the show clock's speed (a
// rehearsal may run it faster); the page keeps their offset from its own performance.now() and never reads the
// phone's clock. No message for LIVENESS_MS means the link is
// dead (Wi-Fi gone): the page says so, keeps showing the last state marked stale, and reconnects.
"use strict";

const Showcall = (() => {
  const LIVENESS_MS = 3500;
  const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
  const KEEP_EVENTS = 500;

  // What tests and `showcall bench web` read: arrivals stamped on the page's clock.
  const probe = { events: [], connects: 0, snapshots: 0, state: null, you: null, closed: null };
  window.showcall = probe;

  let socket = null;
  let attempt = 0;
  let lastMessage = 0;
  let offsetMs = null; // server monotonic ms minus performance.now()
  let todAtMs = 0; // the show's time of day at the newest message, ms
  let atMs = 0; // the server's monotonic time of the newest message, ms
  let speed = 1; // a rehearsal clock may run 2, 4 or 8 times faster than real time
  let denied = false;
  let handlers = {};
  let params = {};

  function serverMs() {
    return offsetMs === null ? null : performance.now() + offsetMs;
  }

  function todMs() {
    const now = serverMs();
    if (now === null) return null;
    const tod = todAtMs + (now - atMs) * speed;
    return ((tod % 86400000) + 86400000) % 86400000;
  }

  function syncClock(atNs, todNs, rate) {
    atMs = atNs / 1e6;
    offsetMs = atMs - performance.now();
    todAtMs = todNs / 1e6;
    speed = rate || 1;
  }

  // Real ms on the server's clock since a state taken at atNs: how far a real-time countdown has run.
  function sinceMs(atNs) {
    const now = serverMs();
    return now === null ? 0 : Math.max(0, now - atNs / 1e6);
  }

  // The same in show time: what the segment clocks have run (faster in a rehearsal at speed).
  function showSinceMs(atNs) {
    return sinceMs(atNs) * speed;
  }

  function setConnection(kind, words) {
    const el = document.getElementById("conn");
    if (!el) return;
    el.className = "conn " + kind;
    el.textContent = words;
    document.body.classList.toggle("stale", kind !== "live");
  }

  function url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams(params);
    return `${scheme}//${location.host}/ws?${query}`;
  }

  function connect() {
    if (denied) return;
    probe.connects += 1;
    setConnection(attempt ? "lost" : "connecting", attempt ? "RECONNECTING… showing the last state" : "connecting…");
    const ws = new WebSocket(url());
    socket = ws;
    lastMessage = performance.now();
    ws.onmessage = (message) => {
      lastMessage = performance.now();
      const body = JSON.parse(message.data);
      if (body.type === "snapshot") {
        attempt = 0;
        probe.snapshots += 1;
        probe.you = body.you;
        setConnection("live", "LIVE");
      }
      if (body.type === "denied") {
        denied = true;
        setConnection("denied", "NOT CONNECTED: " + body.reason);
        if (handlers.onDenied) handlers.onDenied(body.reason);
        return;
      }
      if (body.type === "tick") {
        syncClock(body.at_ns, body.tod_ns, body.speed);
        return;
      }
      if (body.type === "reply") {
        if (handlers.onReply) handlers.onReply(body);
        return;
      }
      if (body.state) {
        syncClock(body.state.at_ns, body.state.tod_ns, body.state.speed);
        probe.state = body.state;
      }
      if (body.type === "snapshot" && handlers.onSnapshot) handlers.onSnapshot(body);
      if (body.type === "event") {
        const at = performance.timeOrigin + performance.now();
        for (const event of body.events) {
          probe.events.push({ event: event.event, cue: event.cue || null, dept: event.dept || null, at });
        }
        if (probe.events.length > KEEP_EVENTS) probe.events.splice(0, probe.events.length - KEEP_EVENTS);
        if (handlers.onEvents) handlers.onEvents(body.events, body.state);
      }
      if (body.state && handlers.onState) handlers.onState(body.state);
    };
    ws.onclose = (closing) => {
      probe.closed = closing.code;
      if (socket !== ws) return;
      socket = null;
      if (denied || closing.code === 4403) return;
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] + Math.random() * 250;
      attempt += 1;
      const why = closing.code === 1001 ? "showcall stopped" : "connection lost";
      setConnection("lost", `RECONNECTING… ${why}: showing the last state`);
      setTimeout(connect, delay);
    };
  }

  // A link that stopped talking (no tick) is dead even if the browser has not noticed: drop it.
  setInterval(() => {
    if (socket && socket.readyState === WebSocket.OPEN && performance.now() - lastMessage > LIVENESS_MS) {
      socket.close();
    }
  }, 500);

  function send(body) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(body));
      return true;
    }
    return false;
  }

  function start(viewParams, viewHandlers) {
    params = Object.fromEntries(Object.entries(viewParams).filter(([, v]) => v !== null && v !== ""));
    handlers = viewHandlers;
    connect();
  }

  // "m:ss", or "h:mm:ss" from an hour, of a positive ms; null gives "-:--".
  function clock(ms) {
    if (ms === null || ms === undefined) return "-:--";
    const total = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function timeOfDay(ms) {
    if (ms === null) return "--:--:--";
    const total = Math.floor(ms / 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  }

  function text(id, words) {
    const el = document.getElementById(id);
    if (el && el.textContent !== words) el.textContent = words;
  }

  function role() {
    return new URLSearchParams(location.search).get("role") || "";
  }

  return { start, send, serverMs, todMs, sinceMs, showSinceMs, clock, timeOfDay, text, role };
})();
