# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd behind kamailio, a real registrar and record-routing proxy
(tests/interop/kamailio.cfg.in): registration, calls to an address of record
through the proxy, several devices of one account, digest authentication.
kamailio logs every request it relays with its method, CSeq and Call-ID
(log_prefix): the tests read the path of each request there."""
import os
import re

import dbus
import pytest

from confab_harness import (PropertyRecorder, call_async, call_iface, call_props, dial,
                            wait_reply, wait_until)
from interop_harness import Baresip, Kamailio, wait_incoming, wait_state

ANSWER = dbus.Dictionary({}, signature="sv")


def account(kam, user, extra="", transport="udp"):
    registrar = kam.registrar() + ("" if transport == "udp" else f";transport={transport}")
    return (f"uri = sip:{user}@127.0.0.1\ndisplay-name = {user.title()}\n"
            f"registrar = {registrar}\n{extra}")


def wait_registered(confab, kam):
    confab.wait_manager_prop("Registration", "registered", kam)


def relayed(kam, call_id):
    """(kind, method) of each request of a call that kamailio's script saw:
    kind 'relay' (out of dialog), 'loose' (in-dialog, by the Route set),
    'strayed' (in-dialog without a Route to this proxy)."""
    out = []
    for line in kam.output().split("\n"):
        if call_id not in line:
            continue
        m = re.search(r"<script>: (relay|in-dialog) (\w+) (loose-routed|without Route)?", line)
        if m:
            kind = "relay" if m.group(1) == "relay" else (
                "loose" if m.group(3) == "loose-routed" else "strayed")
            out.append((kind, m.group(2)))
    return out


def invite_call_id(kam, to_user):
    m = kam.wait_line(r"\{\d+ \d+ INVITE (\S+)\} <script>: relay INVITE sip:" + to_user + "@")
    return m.group(1)


@pytest.fixture
def kam(peers, tmp_path):
    # Bindings of 4 s: daemons refresh them every 2 s, soon enough for a
    # device to learn about another one during a test.
    k = Kamailio(tmp_path / "kamailio", expires=4)
    peers.append(k)
    return k


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_register_and_call_through_proxy(make_confab, kam, transport):
    """alice and bob register; alice dials bob's address of record at the
    proxy; kamailio finds bob's binding and relays; bob answers; bob's chat
    and hangup follow the Record-Route back through the proxy."""
    alice = make_confab("alice", account=account(kam, "alice", transport=transport))
    bob = make_confab("bob", account=account(kam, "bob", transport=transport))
    for c in (alice, bob):
        wait_registered(c, kam)
        assert list(c.daemon.get("Devices")) == []
    suffix = "" if transport == "udp" else f";transport={transport}"
    kam.wait_line(rf"REGISTER sip:bob@127\.0\.0\.1 contact <sip:bob@127\.0\.0\.1:{bob.port}"
                  + re.escape(suffix) + ">")

    a = dial(alice.daemon, f"sip:bob@127.0.0.1:{kam.port}{suffix}")
    b = wait_incoming(bob.watch, kam)
    assert call_props(bob.daemon, b)["RemoteUri"] == "sip:alice@127.0.0.1"
    assert call_props(bob.daemon, b)["RemoteName"] == "Alice"
    wait_state(alice.watch, a, "ringing", kam)
    call_iface(bob.daemon, b).Answer(ANSWER)
    wait_state(alice.watch, a, "active", kam)
    wait_state(bob.watch, b, "active", kam)
    call_id = invite_call_id(kam, "bob")

    wait_reply(call_async(call_iface(bob.daemon, b).SendMessage, "via the proxy"), "MESSAGE")
    wait_until(lambda: (a, "via the proxy") in alice.watch.messages, "alice gets the message")
    call_iface(bob.daemon, b).Hangup()
    wait_state(alice.watch, a, "ended", kam)
    assert call_props(alice.daemon, a)["EndReason"] == "remote-hangup"
    assert call_props(bob.daemon, b)["EndReason"] == "local-hangup"

    kam.wait_line(r"\{\d+ \d+ BYE " + re.escape(call_id) + r"\} <script>: in-dialog BYE")
    path = relayed(kam, call_id)
    assert path[0] == ("relay", "INVITE"), path
    # The callee's requests carry the Route set it took from the INVITE's
    # Record-Route (RFC 3261 12.1.1, 12.2.1.1).
    assert ("loose", "MESSAGE") in path and ("loose", "BYE") in path, path
    assert not [p for p in path if p[0] == "strayed"], path


def test_caller_in_dialog_requests_through_proxy(make_confab, kam):
    """The caller's ACK, MESSAGE and BYE follow the Record-Route too: that
    needs the callee's 2xx to carry the proxy's Record-Route."""
    alice = make_confab("alice", account=account(kam, "alice"))
    bob = make_confab("bob", account=account(kam, "bob"))
    for c in (alice, bob):
        wait_registered(c, kam)
    a = dial(alice.daemon, f"sip:bob@127.0.0.1:{kam.port}")
    b = wait_incoming(bob.watch, kam)
    call_iface(bob.daemon, b).Answer(ANSWER)
    wait_state(alice.watch, a, "active", kam)
    call_id = invite_call_id(kam, "bob")
    # The 2xx that kamailio relayed back carried its Record-Route.
    ok = kam.wait_line(r"\{\d+ 1 INVITE " + re.escape(call_id) + r"\} <script>: reply 200 ")
    assert "Record-Route: <null>" not in ok.string, ok.string

    wait_reply(call_async(call_iface(alice.daemon, a).SendMessage, "hello bob"), "MESSAGE")
    wait_until(lambda: (b, "hello bob") in bob.watch.messages, "bob gets the message")
    call_iface(alice.daemon, a).Hangup()
    wait_state(bob.watch, b, "ended", kam)
    assert call_props(bob.daemon, b)["EndReason"] == "remote-hangup"
    kam.wait_line(r"\{\d+ \d+ BYE " + re.escape(call_id) + r"\} <script>: in-dialog BYE")
    path = relayed(kam, call_id)
    assert ("loose", "ACK") in path and ("loose", "MESSAGE") in path, path
    assert ("loose", "BYE") in path, path


def test_confab_calls_baresip_through_proxy(make_confab, kam, peers, tmp_path):
    """The caller side alone: baresip registers at kamailio and answers by
    itself (its 2xx copies the Record-Route); confabd's ACK, MESSAGE and BYE
    then follow the Route set through the proxy."""
    alice = make_confab("alice", account=account(kam, "alice"))
    wait_registered(alice, kam)
    bs = Baresip(tmp_path / "baresip", "carol", "answermode=auto;regint=60",
                 aor_host=f"127.0.0.1:{kam.port}")
    peers.append(bs)
    bs.wait_event("REGISTER_OK")

    a = dial(alice.daemon, f"sip:carol@127.0.0.1:{kam.port}")
    wait_state(alice.watch, a, "active", kam, bs)
    bs.wait_event("CALL_ESTABLISHED")
    call_id = invite_call_id(kam, "carol")
    wait_reply(call_async(call_iface(alice.daemon, a).SendMessage, "hello carol"), "MESSAGE")
    call_iface(alice.daemon, a).Hangup()
    wait_state(alice.watch, a, "ended", kam, bs)
    bs.wait_event("CALL_CLOSED")
    kam.wait_line(r"\{\d+ \d+ BYE " + re.escape(call_id) + r"\} <script>: in-dialog BYE")
    path = relayed(kam, call_id)
    assert path[0] == ("relay", "INVITE"), path
    assert ("loose", "ACK") in path and ("loose", "MESSAGE") in path, path
    assert ("loose", "BYE") in path, path


def test_unknown_address_of_record(make_confab, kam):
    """Dialing an address of record with no binding: kamailio answers 404."""
    alice = make_confab("alice", account=account(kam, "alice"))
    wait_registered(alice, kam)
    a = dial(alice.daemon, f"sip:nobody@127.0.0.1:{kam.port}")
    wait_state(alice.watch, a, "ended", kam)
    assert call_props(alice.daemon, a)["EndReason"] == "unreachable"
    kam.wait_line(r"INVITE sip:nobody@127\.0\.0\.1:\d+: not registered")


def test_same_account_on_two_daemons(make_confab, kam):
    """bob and bob2 register the same address of record: each one's Devices
    lists the other's contact (the registrar's 200 OK lists every binding,
    RFC 3261 10.3); bob learns about bob2 at its next refresh, announced by
    PropertiesChanged. A call to the address of record rings both; bob
    answers and the proxy cancels bob2's branch."""
    alice = make_confab("alice", account=account(kam, "alice"))
    bob = make_confab("bob", account=account(kam, "bob"))
    wait_registered(bob, kam)
    assert list(bob.daemon.get("Devices")) == []
    bob_devices = PropertyRecorder(bob.bus)

    bob2 = make_confab("bob2", account=account(kam, "bob"))
    wait_registered(bob2, kam)
    assert list(bob2.daemon.get("Devices")) == [f"sip:bob@127.0.0.1:{bob.port}"]
    bob_devices.wait("Devices", dbus.Array([f"sip:bob@127.0.0.1:{bob2.port}"], signature="s"))
    assert list(bob.daemon.get("Devices")) == [f"sip:bob@127.0.0.1:{bob2.port}"]
    bob_devices.close()

    # Forking: both devices ring, the first to answer gets the call.
    wait_registered(alice, kam)
    a = dial(alice.daemon, f"sip:bob@127.0.0.1:{kam.port}")
    b1 = wait_incoming(bob.watch, kam)
    b2 = wait_incoming(bob2.watch, kam)
    call_iface(bob.daemon, b1).Answer(ANSWER)
    wait_state(alice.watch, a, "active", kam)
    wait_state(bob2.watch, b2, "ended", kam)
    assert call_props(bob2.daemon, b2)["EndReason"] == "cancelled"
    call_iface(bob.daemon, b1).Hangup()
    wait_state(alice.watch, a, "ended", kam)
    assert call_props(alice.daemon, a)["EndReason"] == "remote-hangup"

    # When bob2 goes away (its binding expires), bob's list empties again.
    bob_devices = PropertyRecorder(bob.bus)
    bob2.close()
    bob_devices.wait("Devices", dbus.Array([], signature="s"))
    bob_devices.close()


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_register_with_digest_auth(make_confab, peers, tmp_path, algorithm):
    """kamailio challenges REGISTER (401, qop=auth) and checks the response
    against a password from its config (auth module, no database);
    confabd answers with [account] username and password-file."""
    kam = Kamailio(tmp_path / "kamailio", expires=4,
                   auth=("confab.test", algorithm, {"bob": "s3cret-bob"}))
    peers.append(kam)
    password = tmp_path / "bob-password"
    password.write_text("s3cret-bob\n")
    os.chmod(password, 0o600)
    bob = make_confab("bob", account=account(
        kam, "bob", f"username = bob\npassword-file = {password}\n"))
    wait_registered(bob, kam)
    challenge = kam.wait_line(r"REGISTER sip:bob@127\.0\.0\.1 challenged")
    assert "credentials: <null>" in challenge.string, challenge.string
    ok = kam.wait_line(r"REGISTER sip:bob@127\.0\.0\.1 authenticated as bob \(credentials: (.*)\)$")
    credentials = ok.group(1)
    assert credentials.startswith("Digest "), credentials
    assert re.search(r"username=\"bob\"", credentials), credentials
    assert re.search(r'realm="confab\.test"', credentials), credentials
    assert re.search(r"qop=\"?auth\"?(,|$)", credentials), credentials
    assert re.search(r"algorithm=\"?" + re.escape(algorithm) + r"\"?(,|$)", credentials) or (
        algorithm == "MD5" and "algorithm=" not in credentials), credentials
    kam.wait_line(rf"REGISTER sip:bob@127\.0\.0\.1 contact <sip:bob@127\.0\.0\.1:{bob.port}>")
    # A refresh authenticates again (the nonce may be reused or renewed).
    mark = kam.mark()
    kam.wait_line(r"REGISTER sip:bob@127\.0\.0\.1 authenticated as bob", mark)
    assert bob.daemon.get("Registration") == "registered"


def test_register_with_wrong_password(make_confab, peers, tmp_path):
    """A wrong password: the registrar keeps refusing, Registration is 'failed'."""
    kam = Kamailio(tmp_path / "kamailio", auth=("confab.test", "MD5", {"bob": "right"}))
    peers.append(kam)
    password = tmp_path / "bob-password"
    password.write_text("wrong\n")
    os.chmod(password, 0o600)
    bob = make_confab("bob", account=account(
        kam, "bob", f"username = bob\npassword-file = {password}\n"))
    bob.wait_manager_prop("Registration", "failed", kam)
    assert kam.find(r"REGISTER sip:bob@127\.0\.0\.1 authenticated") is None
    challenged = [line for line in kam.output().split("\n") if "challenged" in line]
    assert len(challenged) >= 2  # the first try, and the one with wrong credentials


def test_call_with_proxy_auth(make_confab, peers, tmp_path):
    """The proxy challenges alice's INVITE (407, qop=auth); confabd sends it
    again with Proxy-Authorization and the call goes through to bob."""
    users = {"alice": "alice-pw", "bob": "bob-pw"}
    kam = Kamailio(tmp_path / "kamailio", auth=("confab.test", "SHA-256", users))
    peers.append(kam)
    daemons = {}
    for user, secret in users.items():
        password = tmp_path / f"{user}-password"
        password.write_text(secret + "\n")
        os.chmod(password, 0o600)
        daemons[user] = make_confab(user, account=account(
            kam, user, f"username = {user}\npassword-file = {password}\n"))
    alice, bob = daemons["alice"], daemons["bob"]
    for c in (alice, bob):
        wait_registered(c, kam)

    a = dial(alice.daemon, f"sip:bob@127.0.0.1:{kam.port}")
    b = wait_incoming(bob.watch, kam)
    call_iface(bob.daemon, b).Answer(ANSWER)
    wait_state(alice.watch, a, "active", kam)
    challenge = kam.wait_line(r"INVITE from sip:alice@127\.0\.0\.1 challenged")
    assert "credentials: <null>" in challenge.string, challenge.string
    ok = kam.wait_line(r"INVITE from sip:alice@127\.0\.0\.1 authenticated as alice "
                       r"\(credentials: (.*)\)$")
    assert 'username="alice"' in ok.group(1) and "algorithm=SHA-256" in ok.group(1), ok.string
    call_iface(alice.daemon, a).Hangup()
    wait_state(bob.watch, b, "ended", kam)
    assert call_props(bob.daemon, b)["EndReason"] == "remote-hangup"
    call_id = invite_call_id(kam, "bob")
    assert ("loose", "BYE") in relayed(kam, call_id)
