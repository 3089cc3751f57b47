# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls between two daemons, each on its own private bus, over UDP, TCP and
TLS on loopback, driven only over D-Bus as a user's client would."""
import dbus
import pytest

from confab_harness import Peer, call_async, call_props, dial, establish, free_port, manager_iface, \
    wait_reply, wait_until


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
def test_full_call(alice, bob, transport):
    a, b = establish(alice, bob, transport)
    assert alice.watch.states(a) == ["dialing", "ringing", "active"]
    pa, pb = call_props(alice.daemon, a), call_props(bob.daemon, b)
    assert pa["Direction"] == "outgoing" and pb["Direction"] == "incoming"
    assert pb["RemoteUri"] == f"sip:alice@127.0.0.1:{alice.port}"
    assert pb["RemoteName"] == "Alice"
    assert pa["StartTime"] > 0 and pb["StartTime"] > 0
    assert "chat" in pa["Features"] and "chat" in pb["Features"]
    # SDES keys over TLS signaling are standard encryption; over UDP or TCP
    # anyone on the signaling path could read them.
    expected = "standard" if transport == "tls" else "unprotected-keys"
    alice.watch.wait_prop(a, "Encryption", expected)
    bob.watch.wait_prop(b, "Encryption", expected)
    # Media flows: the statistics show packets both ways, and the codec.
    wait_until(lambda: (alice.watch.get(a, "Stats") or {}).get("packets-received", 0) > 5
               and (bob.watch.get(b, "Stats") or {}).get("packets-received", 0) > 5,
               "media statistics")
    stats = alice.watch.get(a, "Stats")
    assert stats["codec"] == "opus/48000"
    assert stats["transport"] == "ice"
    assert stats["srtp-forged"] == 0 and stats["srtp-replayed"] == 0
    assert stats["packets-sent"] > 0 and "bitrate-send" in stats
    alice.call(a).SetMuted(True)
    alice.watch.wait_prop(a, "Muted", True)
    alice.call(a).SetMuted(False)
    alice.watch.wait_prop(a, "Muted", False)

    # Chat both ways, carried by the call's dialog.
    alice.call(a).SendMessage("hello bob")
    wait_until(lambda: (b, "hello bob") in bob.watch.messages, "bob gets the message")
    bob.call(b).SendMessage("hi alice, ça va?")
    wait_until(lambda: (a, "hi alice, ça va?") in alice.watch.messages, "alice gets the reply")

    # Hold and resume: the held side sees RemoteHeld.
    wait_reply(call_async(alice.call(a).Hold), "Hold")
    assert call_props(alice.daemon, a)["State"] == "held"
    bob.watch.wait_prop(b, "RemoteHeld", True)
    assert call_props(bob.daemon, b)["State"] == "active"
    wait_reply(call_async(alice.call(a).Resume), "Resume")
    assert call_props(alice.daemon, a)["State"] == "active"
    bob.watch.wait_prop(b, "RemoteHeld", False)
    # Bob holds too: the roles swap.
    wait_reply(call_async(bob.call(b).Hold), "Hold from bob")
    alice.watch.wait_prop(a, "RemoteHeld", True)
    wait_reply(call_async(bob.call(b).Resume), "Resume from bob")
    alice.watch.wait_prop(a, "RemoteHeld", False)

    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "local-hangup"
    assert call_props(bob.daemon, b)["EndReason"] == "remote-hangup"
    assert list(call_props(bob.daemon, b)["Features"]) == []

    ha, hb = alice.history()[0], bob.history()[0]
    assert ha["direction"] == "outgoing" and ha["end-reason"] == "local-hangup"
    assert ha["remote-uri"] == bob.uri(transport).split(";")[0] or "bob" in ha["remote-uri"]
    assert hb["direction"] == "incoming" and hb["end-reason"] == "remote-hangup"
    assert ha["encryption"] == hb["encryption"] == expected
    # Keys never reach the logs, even at debug level (the tests run with
    # G_MESSAGES_DEBUG=all): no SDES key material in either daemon's output.
    for peer in (alice, bob):
        assert "inline:" not in open(peer.daemon.stderr_path).read()
    assert hb["start-time"] > 0


def test_hangup_from_callee(alice, bob):
    a, b = establish(alice, bob)
    bob.call(b).Hangup()
    alice.watch.wait_state(a, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "remote-hangup"
    assert call_props(bob.daemon, b)["EndReason"] == "local-hangup"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_reject(alice, bob, transport):
    a = dial(alice.daemon, bob.uri(transport))
    b = bob.watch.wait_incoming()
    bob.call(b).Reject()
    alice.watch.wait_state(a, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "rejected"
    assert call_props(bob.daemon, b)["EndReason"] == "rejected"
    assert alice.history()[0]["end-reason"] == "rejected"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_cancel_before_answer(alice, bob, transport):
    a = dial(alice.daemon, bob.uri(transport))
    b = bob.watch.wait_incoming()
    alice.watch.wait_state(a, "ringing")
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "cancelled"
    assert call_props(bob.daemon, b)["EndReason"] == "cancelled"


def test_no_answer_timeout_at_callee(make_daemon, alice):
    bob = Peer(make_daemon, "bob", extra="[calls]\nno-answer-timeout = 1\n")
    a = dial(alice.daemon, bob.uri())
    b = bob.watch.wait_incoming()
    bob.watch.wait_state(b, "ended")
    alice.watch.wait_state(a, "ended")
    assert call_props(bob.daemon, b)["EndReason"] == "no-answer"
    assert call_props(alice.daemon, a)["EndReason"] == "no-answer"


def test_no_answer_timeout_at_caller(make_daemon, bob):
    alice = Peer(make_daemon, "alice", extra="[calls]\nno-answer-timeout = 1\n")
    a = dial(alice.daemon, bob.uri())
    b = bob.watch.wait_incoming()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "no-answer"
    assert call_props(bob.daemon, b)["EndReason"] == "cancelled"


def test_auto_answer(make_daemon, alice):
    bob = Peer(make_daemon, "bob", extra="[calls]\nauto-answer = true\n")
    a = dial(alice.daemon, bob.uri("tcp"))
    alice.watch.wait_state(a, "active")
    b = bob.watch.wait_incoming()
    bob.watch.wait_state(b, "active")


def test_unreachable(alice):
    dead = free_port()
    a = dial(alice.daemon, f"sip:nobody@127.0.0.1:{dead};transport=tcp")
    alice.watch.wait_state(a, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "unreachable"


def test_ended_call_is_removed_later(alice, bob):
    a, b = establish(alice, bob)
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    # Still readable right after it ended...
    assert call_props(alice.daemon, a)["EndReason"] == "local-hangup"
    # ... and gone from the object manager later (InterfacesRemoved).
    wait_until(lambda: a in alice.watch.removed, "the ended call is removed")


def test_errors_are_named(alice, bob):
    m = manager_iface(alice.daemon)
    with pytest.raises(dbus.exceptions.DBusException) as e:
        m.Dial("mailto:bob@example.org", dbus.Dictionary({}, signature="sv"))
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"
    with pytest.raises(dbus.exceptions.DBusException) as e:
        m.Dial(bob.uri(), dbus.Dictionary({"colour": "red"}, signature="sv"))
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"
    with pytest.raises(dbus.exceptions.DBusException) as e:
        m.GetHistory(dbus.UInt32(0))
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"

    a = dial(alice.daemon, bob.uri())
    b = bob.watch.wait_incoming()
    for method, args in [("Answer", [dbus.Dictionary({}, signature="sv")]), ("Reject", [])]:
        with pytest.raises(dbus.exceptions.DBusException) as e:
            getattr(alice.call(a), method)(*args)
        assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"
    for method, args in [("Hold", []), ("SendMessage", ["too early"])]:
        with pytest.raises(dbus.exceptions.DBusException) as e:
            wait_reply(call_async(getattr(bob.call(b), method), *args), method)
        assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"
    with pytest.raises(dbus.exceptions.DBusException) as e:
        bob.call(b).Answer(dbus.Dictionary({"video": True, "x": 1}, signature="sv"))
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"
    bob.call(b).Answer(dbus.Dictionary({}, signature="sv"))
    alice.watch.wait_state(a, "active")
    with pytest.raises(dbus.exceptions.DBusException) as e:
        wait_reply(call_async(alice.call(a).SendMessage, "x" * 5000), "long message")
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"
    with pytest.raises(dbus.exceptions.DBusException) as e:
        wait_reply(call_async(alice.call(a).Resume), "Resume when active")
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    with pytest.raises(dbus.exceptions.DBusException) as e:
        alice.call(a).Hangup()
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"


def test_confabctl_drives_a_call(alice, bob):
    ctl_a, ctl_b = alice.daemon.ctl, bob.daemon.ctl
    p = ctl_a("call", bob.uri("tcp"), check=True)
    a = f"/org/confab/Confab1/Call/{p.stdout.strip()}"
    b = bob.watch.wait_incoming()
    bob.watch.wait_state(b, "incoming")
    listing = ctl_b("--json", "calls", check=True).stdout
    import json
    calls = json.loads(listing)
    assert len(calls) == 1 and calls[0]["state"] == "incoming"
    assert calls[0]["remote_uri"] == f"sip:alice@127.0.0.1:{alice.port}"
    ctl_b("answer", check=True)  # the only incoming call
    alice.watch.wait_state(a, "active")
    shown = ctl_a("show", p.stdout.strip(), check=True).stdout
    assert "State:        active" in shown and "chat" in shown
    assert "Encryption:   unprotected-keys" in shown
    ctl_a("mute", check=True)
    alice.watch.wait_prop(a, "Muted", True)
    assert json.loads(ctl_a("--json", "show", check=True).stdout)["muted"] is True
    ctl_a("unmute", check=True)
    alice.watch.wait_prop(a, "Muted", False)
    ctl_a("chat", p.stdout.strip(), "from the shell", check=True)
    ctl_a("dtmf", p.stdout.strip(), "42", check=True)
    assert ctl_a("dtmf", p.stdout.strip(), "4x2").returncode == 1
    wait_until(lambda: (b, "from the shell") in bob.watch.messages, "chat via confabctl")
    ctl_a("hold", check=True)
    bob.watch.wait_prop(b, "RemoteHeld", True)
    assert ctl_a("hold").returncode == 1  # nothing active to hold
    ctl_a("resume", check=True)
    bob.watch.wait_prop(b, "RemoteHeld", False)
    ctl_b("hangup", check=True)
    alice.watch.wait_state(a, "ended")
    h = json.loads(ctl_a("--json", "history", "5", check=True).stdout)
    assert h[0]["end-reason"] == "remote-hangup" and h[0]["direction"] == "outgoing"
    text = ctl_a("history", check=True).stdout
    assert "remote-hangup" in text and "outgoing" in text
    r = ctl_a("hangup", "99")
    assert r.returncode == 1 and "no call 99" in r.stderr
    r = ctl_a("call", "not-a-uri")
    assert r.returncode == 1 and "InvalidArgument" in r.stderr


def test_monitor_shows_incoming_call_and_message(alice, bob):
    import json
    import subprocess
    from confab_harness import CONFABCTL
    mon = subprocess.Popen([CONFABCTL, "--json", "monitor"], env=bob.daemon.ctl_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert json.loads(mon.stdout.readline())["name"] == "ready"
        a, b = establish(alice, bob)
        alice.call(a).SendMessage("watch this")
        seen = []
        while not any(e["name"] == "Call.MessageReceived" for e in seen):
            seen.append(json.loads(mon.stdout.readline()))
        incoming = [e for e in seen if e["name"] == "Manager.IncomingCall"]
        assert incoming and incoming[0]["value"][0] == b
        msg = [e for e in seen if e["name"] == "Call.MessageReceived"][0]
        assert msg["value"][0] == "watch this" and msg["path"] == b
    finally:
        mon.terminate()
        mon.wait(timeout=60)


PLAIN_OFFER = ("v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def plain_invite(bob, sock):
    import socket as _socket  # noqa: F401
    port = sock.getsockname()[1]
    body = PLAIN_OFFER.format(port=port + 2)
    return (f"INVITE {bob.uri()} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKplain{port}\r\n"
            f"From: <sip:plain@127.0.0.1:{port}>;tag=p1\r\nTo: <{bob.uri()}>\r\n"
            f"Call-ID: plain-{port}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:plain@127.0.0.1:{port}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def final_status(sock, call_id):
    while True:
        r = sock.recv(65535).decode(errors="replace")
        if call_id in r and not r.startswith(("SIP/2.0 100", "SIP/2.0 18")):
            return int(r.split()[1]), r


@pytest.mark.parametrize("allow_plain", [False, True])
def test_plain_rtp_only_when_allowed(make_daemon, allow_plain):
    import socket
    bob = Peer(make_daemon, "bob", extra=(
        "[calls]\nauto-answer = true\n[media]\nallow-plain-rtp = %s\n" % str(allow_plain).lower()))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(30)
    sock.sendto(plain_invite(bob, sock), ("127.0.0.1", bob.port))
    status, text = final_status(sock, f"plain-{sock.getsockname()[1]}")
    if not allow_plain:
        # No SRTP key in the offer and plain RTP not allowed: 488, and no call was
        # ever announced (a D-Bus round trip first: a signal sent before the 488
        # would be in by then), nor remembered.
        assert status == 488, text
        bob.daemon.get("Version")
        wait_until(lambda: True, "the bus")
        assert bob.watch.incoming == [] and bob.watch.props == {}, bob.watch.props
        assert list(bob.history()) == []
        return
    assert status == 200, text
    assert "RTP/AVP" in text and "a=crypto" not in text
    assert "a=ice-ufrag" not in text, "no ICE in an answer to an offer without it"
    b = bob.watch.wait_incoming()
    bob.watch.wait_prop(b, "Encryption", "none")
    wait_until(lambda: bob.watch.get(b, "Stats") and bob.watch.get(b, "Stats")["transport"] == "rtp",
               "plain RTP to a peer without ICE")
    bob.call(b).Hangup()


def test_dtmf_both_ways(alice, bob):
    received = {"alice": [], "bob": []}
    for name, peer in (("alice", alice), ("bob", bob)):
        peer.daemon.bus.conn.add_signal_receiver(
            lambda d, n=name: received[n].append(str(d)), signal_name="DtmfReceived",
            dbus_interface="org.confab.Confab1.Call")
    a, b = establish(alice, bob)
    alice.watch.wait_prop(a, "Features", dbus.Array(["chat", "dtmf"], signature="s"))
    alice.call(a).SendDtmf("123#")
    wait_until(lambda: "".join(received["bob"]) == "123#", "bob hears 123#")
    bob.call(b).SendDtmf("*0A")
    wait_until(lambda: "".join(received["alice"]) == "*0A", "alice hears *0A")
    with pytest.raises(dbus.exceptions.DBusException) as e:
        alice.call(a).SendDtmf("12x")
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.InvalidArgument"
    wait_reply(call_async(alice.call(a).Hold), "Hold")
    with pytest.raises(dbus.exceptions.DBusException) as e:
        alice.call(a).SendDtmf("1")
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"


def test_rtcp_round_trip_time(alice, bob):
    """RTCP sender and receiver reports flow (RFC 3550): each side learns the
    round-trip time from the other's report blocks."""
    a, b = establish(alice, bob, "tcp")
    wait_until(lambda: (alice.watch.get(a, "Stats") or {}).get("rtt", 0) > 0
               and (bob.watch.get(b, "Stats") or {}).get("rtt", 0) > 0,
               "round-trip times from RTCP")
