"""Provides a generator of large, realistic-looking synthetic shows, for benchmarks and stress tests."""

from __future__ import annotations

from pathlib import Path

_DEVICES = """\
devices:
  lx: {driver: eos, host: 127.0.0.1, port: %(lx)d}
  snd: {driver: qlab, host: 127.0.0.1, port: %(snd)d}
  mix: {driver: x32, host: 127.0.0.1, port: %(mix)d}
  gfx: {driver: osc, host: 127.0.0.1, port: %(gfx)d}
departments:
  LX: {name: Lighting}
  SND: {name: Audio}
  GFX: {name: Graphics}
packs:
  walkup:
    params: {speaker: {}, track: {default: 1}}
    cues:
      - {id: "{id}", dept: SND, label: "Walk-up for {speaker}", actions: [{snd.start: {cue: "{track}"}}]}
      - {id: "{id}.1", dept: GFX, label: "Name for {speaker}", go: {follow: 500ms},
         actions: [{osc: {device: gfx, address: /lower3/on, args: [1, "{speaker}"]}}]}
"""


def synthetic_show(
    cues: int, *, per_segment: int = 50, follow_every: int = 4, ports: dict[str, int] | None = None
) -> str:
    """Show-file text with about `cues` cues in segments of `per_segment`: a mix of Eos fires, QLab
    starts, X32 mutes, raw OSC with waits, follows and pack uses, like a long conference day."""
    ports = {"lx": 3032, "snd": 53000, "mix": 10023, "gfx": 9000, **(ports or {})}
    lines = [
        "showcall: 1",
        f'show: {{title: Synthetic {cues}-cue show, start: "08:00:00"}}',
        _DEVICES % ports,
        "segments:",
    ]
    made = 0
    segment = 0
    while made < cues:
        segment += 1
        lines += [f"  - id: s{segment}", f"    title: Segment {segment}", "    duration: 10m", "    cues:"]
        for _ in range(per_segment):
            if made >= cues:
                break
            number = made + 1
            kind = number % 5
            go = "{follow: 250ms}" if number % follow_every == 0 else "manual"
            if kind == 0 and cues - made >= 2:
                lines.append(
                    f"      - use: walkup\n        with: {{id: '{number}', speaker: Speaker {number}, track: {number}}}"
                )
                made += 2
                continue
            if kind == 1:
                action = f"[{{lx.fire: {{list: 1, cue: {number}}}}}]"
            elif kind == 2:
                action = f"[{{snd.start: {{cue: {number}}}}}, {{wait: 1s}}, {{snd.stop: {{cue: {number - 1}}}}}]"
            elif kind == 3:
                channel = number % 32 + 1
                action = (
                    f"[{{mix.mute: {{channel: {channel}, on: false}}}}, {{mix.fader: {{channel: 1, level: 0.75}}}}]"
                )
            else:
                action = f'[{{osc: {{device: gfx, address: /cue/{number}, args: [{number}, 0.5, "card {number}"]}}}}]'
            dept = ("LX", "SND", "SND", "GFX")[kind % 4]
            lines.append(f"      - {{id: '{number}', dept: {dept}, label: Cue {number}, go: {go}, actions: {action}}}")
            made += 1
    return "\n".join(lines) + "\n"


def write_synthetic_show(path: Path, cues: int, **kwargs: object) -> Path:
    """Write `synthetic_show(cues)` to `path`."""
    path.write_text(synthetic_show(cues, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path
