// Provides the run-of-show clocks of a state, run forward on the server's clock to this instant.
"use strict";

const ShowClocks = {
  // {elapsed, remaining, over, showOver} in ms now, from a state taken at state.at_ns.
  now(state) {
    const c = state.clocks;
    const since = Showcall.showSinceMs(state.at_ns); // show time: faster in a rehearsal at speed
    const realSince = Showcall.sinceMs(state.at_ns);
    const ms = (ns) => (ns === null || ns === undefined ? null : ns / 1e6);
    const elapsed = c.segment_elapsed_ns === null ? null : ms(c.segment_elapsed_ns) + since;
    const remainingAt = ms(c.segment_remaining_ns);
    const remaining = remainingAt === null ? null : remainingAt - since;
    let showOver = ms(c.show_over_ns);
    if (showOver !== null && remainingAt !== null) {
      showOver += Math.max(0, -remaining) - Math.max(0, -remainingAt); // an overrun adds as it runs
    }
    const showElapsed = c.show_elapsed_ns === null ? null : ms(c.show_elapsed_ns) + since;
    const auto = state.next_auto;
    const autoIn = auto ? ms(auto.in_ns) - (auto.held ? 0 : realSince) : null; // real time, as the engine gives it
    return { elapsed, remaining, showOver, showElapsed, autoIn };
  },

  // "0:42 late", "1:05 early", "on time".
  overUnder(ms) {
    if (ms === null) return "–";
    if (Math.abs(ms) < 1000) return "on time";
    return `${Showcall.clock(ms)} ${ms > 0 ? "late" : "early"}`;
  },
};
