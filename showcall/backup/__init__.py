"""Provides the main/backup pair: a second console that follows the live one and takes over when it stops.

The modules (docs/backup.md tells the whole story):

- `wire`: the link's lines (JSON, one object a line); `auth`: the passcode proof and the address list;
- `clocks`: the other machine's monotonic clock against this one's (NTP's arithmetic);
- `peer`: one TCP connection and its handshake; `node`: a console's role (live, following, waiting) and
  every take-over decision, with its two sides in `leading` (streaming, heartbeats, the lease) and
  `following` (applying the live console's events, when to take over); `options`: how a console is linked;
  `calls`: the operator's commands (`takeover`, `handover`, `alone`);
- `gate`: the scheduler between a linked console's engine and its timing core (fenced by the lease, muted
  while following, sends in doubt at a take-over); `status`: the link's events and what the console shows;
- `differences`: what differs when the main refuses a backup with another show.

It reads and drives the engine only through its public face (`snapshot`, events, commands, and `follow`,
`take_over`, `stand_down`).
"""
