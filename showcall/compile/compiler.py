"""Provides `compile_show`: a validated show and its profiles become a Plan of wire bytes.

Every device action is checked against its profile here (unknown device, verb or parameter,
wrong type or range, a cue number an MSC device cannot address), so a show that compiles
cannot fail to encode at show time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from showcall.compile.params import coerce
from showcall.compile.plan import CompiledCue, DevicePlan, Plan, WireMessage
from showcall.compile.wire import (
    OscArg,
    build_midi,
    build_msc,
    build_osc,
    convert_osc_arg,
    typed_osc_arg,
)
from showcall.errors import Problem
from showcall.loader.gcpause import gc_paused
from showcall.loader.nodes import Pos, YMap, YSeq
from showcall.loader.profiles import ProfileSet
from showcall.loader.sources import CueSource, ShowSources
from showcall.model.profile import Profile, SendSpec, VerbSpec
from showcall.model.show import (
    Cue,
    DeviceAction,
    DeviceConfig,
    MidiAction,
    MidiSend,
    MscAction,
    MscSend,
    OscAction,
    OscTyped,
    Show,
    WaitAction,
)
from showcall.template import TemplateError, render
from showcall.transports.base import Endpoint

_DEFAULT_MSC = {"device_id": 127, "command_format": "all_types", "dialect": "standard"}


# A device verb resolved: device name, its profile, the verb, the device's config, and the verb's
# parameter defaults as coerced so far (a 10,000-cue show uses a few verbs thousands of times).
_VerbTarget = tuple[str, Profile, VerbSpec, DeviceConfig, dict[str, Any]]


def _verb_name(key: str) -> str:
    """The verb of a `<device>.<verb>` action key."""
    return key.split(".", 1)[1]


class _Skip(Exception):
    """An action uses a device whose own definition is broken; that problem is reported there."""


class _Fail(Exception):
    """An action cannot compile; carries the located problem (and any more found with it)."""

    def __init__(self, pos: Pos, message: str, more: list[_Fail] | None = None) -> None:
        self.pos = pos
        self.message = message
        self.more = more or []
        super().__init__(message)


def compile_show(
    show: Show, sources: ShowSources, profiles: ProfileSet, source: str = ""
) -> tuple[Plan, list[Problem]]:
    """Compile every cue; the problems found (if any) mean the plan must not be used."""
    with gc_paused():
        compiler = _Compiler(show, sources, profiles)
        devices = compiler.devices()
        cues = tuple(compiler.cues())
        return Plan(show=show, cues=cues, devices=devices, source=source), compiler.problems


class _Compiler:
    def __init__(self, show: Show, sources: ShowSources, profiles: ProfileSet) -> None:
        self.show = show
        self.sources = sources
        self.profiles = profiles
        self.problems: list[Problem] = []
        self.device_profiles: dict[str, Profile] = {}
        self._verbs: dict[str, _VerbTarget] = {}  # `<device>.<verb>` -> what it resolved to, for repeats

    # ---- devices ------------------------------------------------------------------------------

    def devices(self) -> dict[str, DevicePlan]:
        out: dict[str, DevicePlan] = {}
        addresses: dict[tuple[str, str, int], str] = {}  # an OSC address -> the first device sending there
        for name, config in self.show.devices.items():
            node = self.sources.devices.get(name)
            pos = node.pos if node is not None else self.sources.root.pos
            loaded = self.profiles.get(config.driver)
            if loaded is None and config.driver in self.profiles.broken:
                self.sources.broken_devices.add(name)  # the profile's own problems say it all
                continue
            if loaded is None:
                where = node.pos_of("driver") if node is not None else pos
                self.problems.append(
                    where.problem(
                        f"device {name}",
                        f"unknown driver '{config.driver}': the profiles are {', '.join(self.profiles.names())}",
                    )
                )
                continue
            profile = loaded.profile
            self.device_profiles[name] = profile
            try:
                endpoint = self._endpoint(name, config, profile, node)
            except _Fail as fail:
                self.problems.append(fail.pos.problem(f"device {name}", fail.message))
                continue
            if endpoint.kind != "midi":  # devices may share a MIDI port; two devices at one OSC address is a slip
                address = (endpoint.kind, endpoint.host, endpoint.port)
                first = addresses.setdefault(address, name)
                if first != name:
                    self.problems.append(
                        pos.problem(
                            f"device {name}",
                            f"sends to the same address as device '{first}' ({endpoint.describe()}): "
                            "give each device its own host or port",
                        )
                    )
            out[name] = DevicePlan(name, profile.driver, endpoint, profile)
        return out

    def _endpoint(self, name: str, config: DeviceConfig, profile: Profile, node: YMap | None) -> Endpoint:
        pos = node.pos if node is not None else self.sources.root.pos

        def at(key: str) -> Pos:
            return node.key_pos_of(key) if node is not None else pos

        if profile.transport == "osc":
            for key in ("midi_port", "device_id", "command_format", "dialect"):
                if getattr(config, key) is not None:
                    raise _Fail(at(key), f"{key} is not used by an OSC device (driver {profile.driver})")
            osc = profile.osc
            if not config.host:
                raise _Fail(pos, f"missing required key 'host': the {profile.driver} device's IP address")
            port = config.port or (osc.port if osc else None)
            if port is None:
                raise _Fail(pos, f"missing required key 'port': the {profile.driver} profile has no default port")
            protocol = config.protocol or (osc.protocol if osc else "udp")
            framing = config.framing or (osc.framing if osc else "slip")
            if config.framing is not None and protocol == "udp":
                raise _Fail(at("framing"), "framing only applies to OSC over TCP (protocol: tcp)")
            keepalive = (
                tuple(self._fixed_sends(name, profile, profile.keepalive.send, where=("keepalive", "send")))
                if profile.keepalive
                else ()
            )
            return Endpoint(
                device=name,
                kind="osc-tcp" if protocol == "tcp" else "osc-udp",
                host=config.host,
                port=port,
                framing=framing,
                keepalive=keepalive,
                keepalive_every_ns=profile.keepalive.every.ns if profile.keepalive else 0,
                panic=tuple(self._fixed_sends(name, profile, profile.panic, config)),
                reply_port=(osc.reply_port or 0) if osc and protocol == "udp" else 0,
            )
        for key in ("host", "port", "protocol", "framing"):
            if getattr(config, key) is not None:
                raise _Fail(at(key), f"{key} is not used by a MIDI device (driver {profile.driver}); use midi_port")
        if not config.midi_port:
            raise _Fail(pos, "missing required key 'midi_port': a MIDI port name, or host:port for a socket port")
        return Endpoint(
            device=name,
            kind="midi",
            midi_port=config.midi_port,
            keepalive=(
                tuple(self._fixed_sends(name, profile, profile.keepalive.send, where=("keepalive", "send")))
                if profile.keepalive
                else ()
            ),
            keepalive_every_ns=profile.keepalive.every.ns if profile.keepalive else 0,
            panic=tuple(self._fixed_sends(name, profile, profile.panic, config)),
        )

    def _fixed_sends(
        self,
        name: str,
        profile: Profile,
        sends: list[SendSpec],
        config: DeviceConfig | None = None,
        where: tuple[str, ...] = ("panic",),
    ) -> Iterator[bytes]:
        """Panic and keep-alive messages (no parameters); a problem is located at the send in the
        profile file (`where` is the path to the list of sends in it)."""
        for index, send in enumerate(sends):
            pos = self._profile_pos(profile, *where, index)
            for _, payload, _ in self._render_send(name, send, {}, config, profile, pos):
                yield payload

    def _profile_pos(self, profile: Profile, *path: str | int) -> Pos:
        """Where the value at `path` (keys and list indexes) stands in the profile's file, or the nearest
        parent that is there."""
        loaded = self.profiles.get(profile.driver)
        if loaded is None:
            return Pos(profile.driver, 1, 1)
        node: Any = loaded.source
        pos: Pos = loaded.source.pos
        for step in path:
            in_map = isinstance(node, YMap) and step in node
            in_list = isinstance(node, YSeq) and isinstance(step, int) and 0 <= step < len(node)
            if not (in_map or in_list):
                break
            pos, node = node.pos_of(step), node[step]
        return pos

    # ---- cues ---------------------------------------------------------------------------------

    def cues(self) -> Iterator[CompiledCue]:
        for index, (cue, src) in enumerate(zip(self.show.all_cues(), self.sources.cues, strict=True)):
            messages = self._cue_messages(cue, src)
            yield CompiledCue(index=index, cue=cue, segment=src.segment, messages=tuple(messages))

    def _cue_messages(self, cue: Cue, src: CueSource) -> list[WireMessage]:
        messages: list[WireMessage] = []
        offset = 0
        actions_node = src.node.get("actions")
        nodes = actions_node if isinstance(actions_node, YSeq) else None
        for index, action in enumerate(cue.actions):
            node = nodes[index] if nodes is not None else None
            pos = nodes.pos_of(index) if nodes is not None else src.node.pos
            try:
                if isinstance(action, DeviceAction):  # the most common action first
                    added = self._device_action(action, node, pos, offset)
                    messages.extend(added)
                    if added:
                        offset = max(offset, added[-1].offset_ns)
                elif isinstance(action, WaitAction):
                    offset += action.wait.ns
                elif isinstance(action, OscAction):
                    messages.append(self._raw_osc(action, node, pos, offset))
                elif isinstance(action, MidiAction):
                    messages.append(self._raw_midi(action.midi, node, pos, offset))
                elif isinstance(action, MscAction):
                    messages.append(self._raw_msc(action.msc, node, pos, offset))
            except _Fail as fail:
                for each in (fail, *fail.more):
                    self.problems.append(src.problem(each.pos, cue.id, each.message))
            except _Skip:
                continue
        return messages

    def _device(self, name: str, pos: Pos, transport: str, form: str) -> Profile:
        if name in self.sources.broken_devices:
            raise _Skip
        if name not in self.show.devices:
            known = ", ".join(sorted(self.show.devices)) or "none declared"
            raise _Fail(pos, f"unknown device '{name}' (devices: {known})")
        profile = self.device_profiles.get(name)
        if profile is None:
            raise _Skip
        if profile.transport != transport:
            article = "an" if transport == "osc" else "a"
            raise _Fail(pos, f"{form}: actions need {article} {transport.upper()} device; '{name}' is {profile.driver}")
        return profile

    def _raw_osc(self, action: OscAction, node: Any, pos: Pos, offset: int) -> WireMessage:
        spec = action.osc
        inner = node.get("osc") if isinstance(node, YMap) else None
        dev_pos = inner.pos_of("device") if isinstance(inner, YMap) else pos
        profile = self._device(spec.device, dev_pos, "osc", "osc")
        args: list[OscArg] = []
        args_node = inner.get("args") if isinstance(inner, YMap) else None
        for i, arg in enumerate(spec.args):
            arg_pos = args_node.pos_of(i) if isinstance(args_node, YSeq) else pos
            try:
                if isinstance(arg, OscTyped):
                    tag = next(iter(arg.model_fields_set))
                    args.append(convert_osc_arg(tag, getattr(arg, tag)))
                else:
                    args.append(typed_osc_arg(arg))
            except ValueError as exc:
                raise _Fail(arg_pos, str(exc)) from exc
        return self._osc_message(spec.device, profile, spec.address, args, pos, offset)

    def _osc_message(
        self, device: str, profile: Profile, address: str, args: list[OscArg], pos: Pos, offset: int
    ) -> WireMessage:
        payload, summary = _osc_payload(profile, address, args, pos)
        return WireMessage(device, offset, payload, summary)

    def _raw_midi(self, spec: MidiSend, node: Any, pos: Pos, offset: int) -> WireMessage:
        inner = node.get("midi") if isinstance(node, YMap) else None
        dev_pos = inner.pos_of("device") if isinstance(inner, YMap) else pos
        self._device(spec.device, dev_pos, "midi", "midi")
        fields = spec.model_dump(exclude={"device", "type"}, exclude_none=True)
        try:
            payload = build_midi(spec.type, fields)
        except ValueError as exc:
            raise _Fail(pos, str(exc)) from exc
        return WireMessage(spec.device, offset, payload, _midi_summary(spec.type, fields))

    def _raw_msc(self, spec: MscSend, node: Any, pos: Pos, offset: int) -> WireMessage:
        inner = node.get("msc") if isinstance(node, YMap) else None
        dev_pos = inner.pos_of("device") if isinstance(inner, YMap) else pos
        self._device(spec.device, dev_pos, "midi", "msc")
        address = _msc_addressing(self.device_profiles[spec.device], self.show.devices[spec.device])
        if spec.device_id is not None:
            address["device_id"] = spec.device_id
        if spec.command_format is not None:
            address["command_format"] = spec.command_format
        fields = spec.model_dump(exclude={"device", "device_id", "command_format"}, exclude_none=True)
        fields["time"] = spec.time
        return self._msc_message(spec.device, address, fields, pos, offset)

    def _msc_message(
        self, device: str, address: dict[str, Any], fields: dict[str, Any], pos: Pos, offset: int
    ) -> WireMessage:
        command = str(fields.get("command"))
        try:
            payload = build_msc(
                command,
                device_id=address["device_id"],
                command_format=address["command_format"],
                dialect=address["dialect"],
                cue=_opt_text(fields.get("cue")),
                cue_list=_opt_text(fields.get("list")),
                path=_opt_text(fields.get("path")),
                time=fields.get("time"),
                control=fields.get("control"),
                value=fields.get("value"),
                macro=fields.get("macro"),
                rate=self.show.info.fps,
            )
        except ValueError as exc:
            raise _Fail(pos, f"device {device} ({address['dialect']} MSC): {exc}") from exc
        parts = [f"MSC {command}"] + [f"{k} {fields[k]}" for k in ("cue", "list", "path") if fields.get(k) is not None]
        return WireMessage(device, offset, payload, " ".join(parts))

    # ---- device verbs -------------------------------------------------------------------------

    def _device_action(self, action: DeviceAction, node: Any, pos: Pos, offset: int) -> list[WireMessage]:
        ((key, given_or_none),) = action.root.items()  # the model allows exactly one <device>.<verb> key
        key_pos = node.key_pos_of(key) if isinstance(node, YMap) else pos
        target = self._verbs.get(key) or self._verb_target(key, key_pos)
        device, profile, verb, config, defaults = target
        given: dict[str, Any] = given_or_none or {}
        params_node = node.get(key) if isinstance(node, YMap) else None
        values: dict[str, Any] = {}
        failures: list[_Fail] = []
        for name in given:
            if name not in verb.params:
                at = params_node.key_pos_of(name) if isinstance(params_node, YMap) else key_pos
                allowed = ", ".join(verb.params) or "none"
                hint = _suggest(str(name), verb.params)
                failures.append(
                    _Fail(
                        at,
                        f"unknown parameter '{name}' for {profile.driver}.{_verb_name(key)}{hint}"
                        f" (parameters: {allowed})",
                    )
                )
        for name, spec in verb.params.items():
            if name in given:
                try:
                    values[name] = coerce(name, spec, given[name])
                except ValueError as exc:
                    at = params_node.pos_of(name) if isinstance(params_node, YMap) else key_pos
                    failures.append(_Fail(at, str(exc)))
            elif spec.default is not None:
                if name not in defaults:  # the same for every action of this verb: coerced once
                    try:
                        defaults[name] = coerce(name, spec, spec.default)
                    except ValueError as exc:  # the profile's own default does not fit its parameter
                        at = self._profile_pos(profile, "verbs", _verb_name(key), "params", name, "default")
                        raise _Fail(at, f"profile {profile.driver}: the default of {exc}") from exc
                values[name] = defaults[name]
            elif spec.required:
                failures.append(_Fail(key_pos, f"{key} needs parameter '{name}'"))
            else:
                values[name] = None
        if failures:
            raise _Fail(failures[0].pos, failures[0].message, failures[1:])
        messages = []
        for send in verb.send:
            if not _applies(send, values):
                continue
            for extra_offset, payload, summary in self._render_send(device, send, values, config, profile, key_pos):
                messages.append(WireMessage(device, offset + extra_offset, payload, summary))
            if send.wait is not None:
                offset += send.wait.ns
        return messages

    def _verb_target(self, key: str, key_pos: Pos) -> _VerbTarget:
        """What `<device>.<verb>` resolves to (kept for the next action using it), or why it cannot."""
        device, verb = key.split(".", 1)
        if device in self.sources.broken_devices:
            raise _Skip
        if device not in self.show.devices:
            known = ", ".join(sorted(self.show.devices)) or "none declared"
            hint = _suggest(device, self.show.devices)
            raise _Fail(key_pos, f"unknown device '{device}' in {key}{hint} (devices: {known})")
        profile = self.device_profiles.get(device)
        if profile is None:
            raise _Skip
        spec = profile.verbs.get(verb)
        if spec is None:
            hint = _suggest(verb, profile.verbs)
            verbs = ", ".join(sorted(profile.verbs)) or "none: use raw osc:/midi:/msc: actions"
            raise _Fail(key_pos, f"unknown verb '{verb}' for {profile.driver} device '{device}'{hint} (verbs: {verbs})")
        target: _VerbTarget = (device, profile, spec, self.show.devices[device], {})
        self._verbs[key] = target
        return target

    def _render_send(
        self,
        device: str,
        send: SendSpec,
        values: dict[str, Any],
        config: DeviceConfig | None,
        profile: Profile,
        pos: Pos,
    ) -> list[tuple[int, bytes, str]]:
        if not _applies(send, values):
            return []
        try:
            if send.osc is not None:
                address = render(send.osc.address, values)
                args: list[OscArg] = []
                for arg in send.osc.args:
                    args.extend(_render_osc_arg(arg, values))
                payload, summary = _osc_payload(profile, str(address), args, pos)
                return [(0, payload, summary)]
            if send.midi is not None:
                fields = {k: _render_value(v, values) for k, v in send.midi.items()}
                kind = str(fields.pop("type", ""))
                return [(0, build_midi(kind, fields), _midi_summary(kind, fields))]
            if send.msc is not None:
                fields = {k: _render_value(v, values) for k, v in send.msc.items()}
                message = self._msc_message(device, _msc_addressing(profile, config), fields, pos, 0)
                return [(0, message.payload, message.summary)]
        except (TemplateError, ValueError) as exc:
            raise _Fail(pos, str(exc)) from exc
        return []


def _applies(send: SendSpec, values: dict[str, Any]) -> bool:
    """A send's `when`/`unless` condition on a parameter having been given."""
    if send.when is not None and values.get(send.when) is None:
        return False
    return send.unless is None or values.get(send.unless) is None


def _suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'fire'?)` when one choice is close to `word`, else nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _osc_payload(profile: Profile, address: str, args: list[OscArg], pos: Pos) -> tuple[bytes, str]:
    """An OSC message's bytes, checked against the profile's packet limit, and its summary."""
    try:
        payload = build_osc(address, args)
    except ValueError as exc:
        raise _Fail(pos, str(exc)) from exc
    limit = profile.osc.max_packet if profile.osc else None
    if limit is not None and len(payload) > limit:
        raise _Fail(pos, f"OSC packet of {len(payload)} bytes is over the {profile.driver} limit of {limit}")
    shown = " ".join([tag if tag in _VALUELESS else str(value) for tag, value in args])
    return payload, f"{address} {shown}".rstrip()


_VALUELESS = frozenset({"T", "F", "N"})  # OSC tags that carry no value: shown as the tag


def _msc_addressing(profile: Profile, config: DeviceConfig | None) -> dict[str, Any]:
    """MSC device id, command format and dialect: the device's own, else its profile's, else all-call."""
    address = dict(_DEFAULT_MSC)
    if profile.msc is not None:
        address.update(profile.msc.model_dump())
    if config is not None:
        for key in ("device_id", "command_format", "dialect"):
            value = getattr(config, key)
            if value is not None:
                address[key] = value
    return address


def _render_value(value: Any, values: dict[str, Any]) -> Any:
    return render(value, values) if isinstance(value, str) else value


def _render_osc_arg(arg: Any, values: dict[str, Any]) -> list[OscArg]:
    if isinstance(arg, dict):
        if "split" in arg:
            text = str(_render_value(arg["split"], values))
            tag = str(arg.get("type", "i"))
            return [convert_osc_arg(tag, part) for part in text.split(str(arg.get("sep", ".")))]
        ((tag, raw),) = arg.items()
        value = _render_value(raw, values)
        return [] if value is None else [convert_osc_arg(str(tag), value)]
    value = _render_value(arg, values)
    return [] if value is None else [typed_osc_arg(value)]


def _opt_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(getattr(value, "source_text", value))


def _midi_summary(kind: str, fields: dict[str, Any]) -> str:
    return " ".join([kind, *(f"{k} {v}" for k, v in fields.items() if v is not None)])
