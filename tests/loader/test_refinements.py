"""Show-file behaviours found in review: quiet follow-on problems, pack keys, profile sends, new lints."""

from __future__ import annotations

from support.showfiles import Write, header, load, problems


def test_an_at_cue_before_the_show_start_is_in_order(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: Doors first, start: "19:30:00"}
        departments: {LX: {}, FOH: {}}
        cues:
          - {id: H1, dept: FOH, go: {at: "19:00:00"}}
          - {id: "1", dept: LX}
          - {id: "2", dept: LX, go: {at: "21:15:00"}}
        """
    )
    assert problems(path) == []


def test_a_broken_pack_and_a_broken_device_are_reported_once_not_at_every_use(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices:
          lx: {driver: eos, host: 127.0.0.1, prot: 3032}
        departments: {LX: {}}
        packs:
          walkup:
            params: {speaker: {descripton: typo}}
            cues: [{id: "{id}", dept: LX, label: "{speaker}"}]
        cues:
          - use: walkup
            with: {id: "1", speaker: Dana}
          - {id: "2", dept: LX, actions: [{lx.fire: {cue: 1}}, {osc: {device: lx, address: /eos/ping}}]}
        """
    )
    assert problems(path) == [
        "show.yaml:4:38: device lx: unknown key 'prot' (did you mean 'port'?)",
        "show.yaml:8:24: pack walkup: unknown key 'descripton' (did you mean 'description'?)",
    ]


def test_a_pack_can_pick_its_device_by_parameter(write: Write) -> None:
    path = write(
        header(
            """\
            packs:
              look:
                params: {desk: {}, number: {}}
                cues: [{id: "{id}", dept: LX, actions: [{"{desk}.fire": {cue: "{number}"}}]}]
            cues:
              - {use: look, with: {id: "1", desk: lx, number: 7}}
              - {use: look, with: {id: "2", desk: nodesk, number: 8}}
            """
        )
    )
    found = problems(path)
    assert len(found) == 1
    assert "unknown device 'nodesk' in nodesk.fire" in found[0]
    assert "(from pack look used at show.yaml:16:5)" in found[0]


def test_timecode_cues_out_of_order_within_a_segment(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: Set, fps: 25}
        departments: {LX: {}}
        segments:
          - id: song3
            title: Song three first (its own hour)
            cues:
              - {id: "30", dept: LX, go: {timecode: "03:00:00:00"}}
          - id: song1
            title: Song one
            cues:
              - {id: "10", dept: LX, go: {timecode: "01:00:10:00"}}
              - {id: "11", dept: LX, go: {timecode: "01:00:05:00"}}
        """
    )
    assert problems(path) == [
        "show.yaml:13:34: cue 11: timecode 01:00:05:00 comes before cue 10 (TC 01:00:10:00), which is earlier in"
        " the cue list: timecode cues in a segment must be in time order"
    ]


def test_two_devices_at_one_osc_address(write: Write) -> None:
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices:
          snd: {driver: qlab, host: 10.0.0.30}
          vid: {driver: qlab, host: 10.0.0.30}
          keys: {driver: midi, midi_port: "127.0.0.1:9080"}
          desk: {driver: msc, midi_port: "127.0.0.1:9080"}
        departments: {LX: {}}
        cues: [{id: "1", dept: LX}]
        """
    )
    assert problems(path) == [
        "show.yaml:5:8: device vid: sends to the same address as device 'snd' (udp 10.0.0.30:53000): give each"
        " device its own host or port"
    ]


PROFILE = """\
showcall_driver: 1
driver: house
title: House console
transport: osc
osc: {protocol: udp, port: 9100}
verbs:
  look:
    params:
      number: {type: int}
      slow: {type: bool, optional: true}
    send:
      - osc: {address: "/look/{number}"}
      - {wait: 2s, when: slow}
      - osc: {address: /look/done}
"""


def test_a_wait_in_a_profile_honours_when(write: Write) -> None:
    write(PROFILE, "drivers/house.yaml")
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices: {desk: {driver: house, host: 127.0.0.1}}
        departments: {LX: {}}
        cues:
          - {id: "1", dept: LX, actions: [{desk.look: {number: 1}}]}
          - {id: "2", dept: LX, actions: [{desk.look: {number: 2, slow: true}}]}
        """
    )
    plan = load(path).plan
    assert plan is not None
    assert [(m.summary, m.offset_ns) for m in plan.cues[0].messages] == [("/look/1", 0), ("/look/done", 0)]
    assert [(m.summary, m.offset_ns) for m in plan.cues[1].messages] == [
        ("/look/2", 0),
        ("/look/done", 2_000_000_000),
    ]


def test_a_typo_in_a_profiles_msc_send_is_refused(write: Write) -> None:
    write(
        """\
        showcall_driver: 1
        driver: sfx
        title: SFX controller
        transport: midi
        verbs:
          fire:
            params: {cue: {type: cue}}
            send:
              - msc: {command: go, cue: "{cue}", cue_lsit: 5}
        keepalive:
          every: 5s
          send:
            - midi: {type: control_change, channel: 16, control: 1, value: 0}
        """,
        "drivers/sfx.yaml",
    )
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices: {fx: {driver: sfx, midi_port: "127.0.0.1:9080"}}
        departments: {SFX: {}}
        cues: [{id: "1", dept: SFX}]
        """
    )
    found = problems(path)
    assert found == [
        "drivers/sfx.yaml:9:9: profile sfx, verb fire: unknown key 'cue_lsit' in a msc: send (keys: command, cue,"
        " list, path, time, control, value, macro)"
    ]


def test_a_midi_profiles_keepalive_reaches_its_endpoint(write: Write) -> None:
    write(
        """\
        showcall_driver: 1
        driver: sfx
        title: SFX controller
        transport: midi
        keepalive:
          every: 5s
          send:
            - midi: {type: control_change, channel: 16, control: 1, value: 0}
        """,
        "drivers/sfx.yaml",
    )
    path = write(
        """\
        showcall: 1
        show: {title: T}
        devices: {fx: {driver: sfx, midi_port: "127.0.0.1:9080"}}
        departments: {SFX: {}}
        cues: [{id: "1", dept: SFX}]
        """
    )
    plan = load(path).plan
    assert plan is not None
    endpoint = plan.devices["fx"].endpoint
    assert (endpoint.keepalive, endpoint.keepalive_every_ns) == ((bytes.fromhex("bf 01 00"),), 5_000_000_000)


def test_a_misspelt_trigger_word_names_the_forms(write: Write) -> None:
    path = write(header("cues: [{id: 1, dept: LX, go: Manual}]\n"))
    assert problems(path) == [
        "show.yaml:10:30: cue 1: go must be manual, {follow: D}, {after: D}, {at: 'HH:MM:SS'} or"
        " {timecode: 'HH:MM:SS:FF'}, got a string 'Manual'"
    ]
