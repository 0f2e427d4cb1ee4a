"""Who may open the views and what each page may do: listen addresses, passcode, roles, foreign pages."""

from __future__ import annotations

import pytest

from showcall.web.access import Gate, Role, WebAccessError, WebOptions, is_loopback, parse_listen

DEPTS = {"LX": "Lighting", "SND": "Audio"}
S = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8080", ("127.0.0.1", 8080)),
        (":8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9000", ("::1", 9000)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
    ],
)
def test_listen_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("web", "write [HOST:]PORT, e.g. 8080 or 0.0.0.0:8080, not 'web'"),
        ("host:99999", "port 99999 is out of range 0..65535"),
    ],
)
def test_bad_listen_addresses_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_listen(text)
    assert str(caught.value) == words


def test_loopback_is_this_machine_only() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "127.9.9.9", "::1", "localhost", "0.0.0.0", "10.0.0.5", "show")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_bind_beyond_loopback_needs_a_passcode() -> None:
    WebOptions("127.0.0.1", 8080).check()
    WebOptions("0.0.0.0", 8080, passcode="gaffer-tape").check()
    with pytest.raises(WebAccessError) as caught:
        WebOptions("0.0.0.0", 8080).check()
    assert str(caught.value) == (
        "--web 0.0.0.0:8080 listens beyond this machine: give --web-passcode too "
        "(crew then open the views once with ?key=PASSCODE)"
    )
    with pytest.raises(WebAccessError, match="at least 6 characters"):
        WebOptions("0.0.0.0", 8080, passcode="1234").check()


def test_the_token_comes_from_the_passcode_and_only_it_admits() -> None:
    gate = Gate(WebOptions("0.0.0.0", 8080, passcode="gaffer-tape"))
    token = gate.token
    assert token is not None and "gaffer" not in token
    assert gate.token == Gate(WebOptions("0.0.0.0", 9999, passcode="gaffer-tape")).token  # survives a restart
    assert gate.token != Gate(WebOptions("0.0.0.0", 8080, passcode="gaffer-tape2")).token
    assert gate.admits(token)
    assert not gate.admits(None)
    assert not gate.admits(token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1")
    assert Gate(WebOptions()).admits(None)  # loopback without a passcode: everyone on this machine


def test_five_wrong_keys_shut_an_address_out_for_thirty_seconds() -> None:
    gate = Gate(WebOptions("0.0.0.0", 8080, passcode="gaffer-tape"))
    for i in range(4):
        assert not gate.key_ok("guess", "10.0.0.9", i * S)
        assert not gate.shut_out("10.0.0.9", i * S)
    assert not gate.key_ok("guess", "10.0.0.9", 4 * S)
    assert gate.shut_out("10.0.0.9", 5 * S)
    assert not gate.shut_out("10.0.0.8", 5 * S)  # another address is not punished
    assert gate.shut_out("10.0.0.9", 33 * S)
    assert not gate.shut_out("10.0.0.9", 35 * S)
    assert gate.key_ok("gaffer-tape", "10.0.0.9", 35 * S)


def test_wrong_keys_spread_over_time_do_not_shut_out() -> None:
    gate = Gate(WebOptions("0.0.0.0", 8080, passcode="gaffer-tape"))
    for i in range(10):
        gate.key_ok("guess", "10.0.0.9", i * 3 * S)  # one every 3 s: never 5 within 10 s
    assert not gate.shut_out("10.0.0.9", 30 * S)


def test_on_loopback_the_host_must_be_loopback() -> None:
    gate = Gate(WebOptions())
    assert gate.host_ok("127.0.0.1:8080")
    assert gate.host_ok("localhost:8080")
    assert gate.host_ok("[::1]:8080")
    assert not gate.host_ok("evil.example:8080")  # a DNS name pointed at 127.0.0.1
    assert not gate.host_ok(None)
    assert Gate(WebOptions("0.0.0.0", 8080, passcode="gaffer-tape")).host_ok("showpc.local:8080")


def test_a_websocket_from_another_site_is_refused() -> None:
    assert Gate.origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert Gate.origin_ok(None, "127.0.0.1:8080")  # not a browser: no page to trick
    assert not Gate.origin_ok("http://evil.example", "127.0.0.1:8080")
    assert not Gate.origin_ok("http://127.0.0.1:8081", "127.0.0.1:8080")


def test_roles_from_the_url() -> None:
    gate = Gate(WebOptions())
    assert gate.role("dept", "lx", "", DEPTS) == Role("dept", "LX", ack=True)
    assert gate.role("dept", "LX", "view", DEPTS) == Role("dept", "LX", ack=False)
    assert gate.role("stage", None, "", DEPTS) == Role("stage")
    assert gate.role("caller", None, "view", DEPTS) == Role("caller")
    assert gate.role("dept", "VID", "", DEPTS) == "no department 'VID' in this show: LX, SND"
    assert gate.role("stage", None, "ack", DEPTS) == "only a department page (/dept/LX) acknowledges"
    assert gate.role("lobby", None, "", DEPTS) == "no view 'lobby': views are dept, stage, presenter, caller"
    assert gate.role("caller", None, "control", DEPTS) == (
        "this show takes no GO, hold or panic from the web: start showcall with --web-control"
    )
    assert (
        gate.role("dept", "LX", "control", DEPTS) == "a department page cannot call the show: open /caller?role=control"
    )


def test_control_only_with_web_control_and_only_on_the_caller_page() -> None:
    gate = Gate(WebOptions(control=True))
    assert gate.role("caller", None, "control", DEPTS) == Role("caller", control=True)
    assert gate.role("stage", None, "control", DEPTS) == "only the caller page (/caller?role=control) calls the show"
    assert gate.role("caller", None, "", DEPTS) == Role("caller")  # read-only unless it asks
