# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd and baresip (Debian baresip-core 1.0) calling each other directly
on loopback. baresip is driven through its ctrl_tcp module and traces every
SIP message (-s), which the tests read. Plain RTP/AVP on both sides (no
mediaenc on baresip's account: confabd offers no SRTP yet). Signaling and
SDP negotiation only: confabd sends no RTP yet."""
import re

import dbus
import pytest

from confab_harness import call_async, call_iface, call_props, dial, manager_iface, wait_reply
from interop_harness import Baresip, wait_incoming, wait_state


def start_line(message):
    return message.split("\n", 1)[0]


def sdp_of(message):
    return message.split("\n\n", 1)[1] if "\n\n" in message else ""


def cseq_method(message):
    m = re.search(r"^CSeq: *\d+ +(\S+)", message, re.M | re.I)
    return m.group(1) if m else None


def responses(messages, method, status="200"):
    return [m for m in messages
            if m.startswith(f"SIP/2.0 {status}") and cseq_method(m) == method]


def direction_of(sdp):
    m = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", sdp, re.M)
    return m.group(1) if m else "sendrecv"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_confab_calls_baresip(make_confab, peers, tmp_path, transport):
    """confabd dials baresip, which answers by itself (answermode=auto); the
    call is established on both; confabd chats in the dialog, holds and
    resumes with re-INVITEs, and hangs up."""
    confab = make_confab("alice")
    bs = Baresip(tmp_path / "baresip", "bob", "answermode=auto")
    peers.append(bs)

    path = dial(confab.daemon, bs.uri(transport))
    wait_state(confab.watch, path, "active", bs)
    established = bs.wait_event("CALL_ESTABLISHED")
    assert established["direction"] == "incoming"
    assert established["peeruri"] == f"sip:alice@127.0.0.1:{confab.port}"
    assert established["peerdisplayname"] == "Alice"
    props = call_props(confab.daemon, path)
    assert props["Direction"] == "outgoing"
    assert props["RemoteUri"].startswith(f"sip:bob@127.0.0.1:{bs.sip_port}")

    # baresip's answer chose from what confabd offered: Opus first.
    invite = bs.wait_received(confab.port, "INVITE ")[0]
    assert "RTP/AVP" in sdp_of(invite) and "opus/48000/2" in sdp_of(invite)
    answer = responses(bs.wait_sent(confab.port, "SIP/2.0 200"), "INVITE")[0]
    assert re.search(r"^m=audio \d+ RTP/AVP 96", sdp_of(answer), re.M), answer
    assert re.search(r"^a=rtpmap:96 opus/48000/2", sdp_of(answer), re.M), answer

    # Chat: an in-dialog MESSAGE that baresip accepts with 200.
    wait_reply(call_async(call_iface(confab.daemon, path).SendMessage, "hello baresip"),
               "SendMessage")
    messages = bs.wait_received(confab.port, "MESSAGE ")
    assert len(messages) == 1 and messages[0].endswith("hello baresip"), messages
    call_id = re.search(r"^Call-ID: *(\S+)", invite, re.M | re.I).group(1)
    assert re.search(r"^Call-ID: *" + re.escape(call_id), messages[0], re.M | re.I), \
        "the MESSAGE is not inside the call's dialog"
    assert re.search(r"^To: .*;tag=", messages[0], re.M), "the MESSAGE has no To tag"
    assert responses(bs.sent(confab.port), "MESSAGE"), "baresip did not accept the MESSAGE"
    # The other direction cannot be tested: Debian's baresip 1.0 has no
    # command that sends a MESSAGE inside a call (ctrl_tcp reaches the menu
    # and contact commands; the contact module's "message" sends pager-mode
    # MESSAGE outside any dialog, which confabd refuses by design, R8).

    # Hold and resume: re-INVITEs with a=sendonly, then a=sendrecv again.
    wait_reply(call_async(call_iface(confab.daemon, path).Hold), "Hold")
    assert call_props(confab.daemon, path)["State"] == "held"
    wait_reply(call_async(call_iface(confab.daemon, path).Resume), "Resume")
    assert call_props(confab.daemon, path)["State"] == "active"
    reinvites = bs.wait_received(confab.port, "INVITE ", 3)[1:]
    assert [direction_of(sdp_of(m)) for m in reinvites] == ["sendonly", "sendrecv"], reinvites
    answers = responses(bs.sent(confab.port), "INVITE")[1:]
    assert [direction_of(sdp_of(m)) for m in answers] == ["recvonly", "sendrecv"], answers

    call_iface(confab.daemon, path).Hangup()
    wait_state(confab.watch, path, "ended", bs)
    assert call_props(confab.daemon, path)["EndReason"] == "local-hangup"
    bs.wait_event("CALL_CLOSED")
    assert len(bs.wait_received(confab.port, "BYE ")) == 1
    assert responses(bs.wait_sent(confab.port, "SIP/2.0 200", 4), "BYE")
    entry = manager_iface(confab.daemon).GetHistory(dbus.UInt32(1))[0]
    assert entry["direction"] == "outgoing" and entry["end-reason"] == "local-hangup"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_baresip_calls_confab(make_confab, peers, tmp_path, transport):
    """baresip dials confabd (ctrl_tcp 'dial'); the user answers over D-Bus;
    baresip holds and resumes; baresip hangs up: confabd shows remote-hangup."""
    confab = make_confab("alice")
    bs = Baresip(tmp_path / "baresip", "bob")
    peers.append(bs)

    reply = bs.command("dial", confab.uri(transport))
    assert reply.get("ok", True), reply
    path = wait_incoming(confab.watch, bs)
    props = call_props(confab.daemon, path)
    assert props["State"] == "incoming"
    assert props["Direction"] == "incoming"
    assert props["RemoteUri"].startswith(f"sip:bob@127.0.0.1:{bs.sip_port}")
    bs.wait_event("CALL_RINGING")

    call_iface(confab.daemon, path).Answer(dbus.Dictionary({}, signature="sv"))
    wait_state(confab.watch, path, "active", bs)
    established = bs.wait_event("CALL_ESTABLISHED")
    assert established["direction"] == "outgoing"
    assert established["peeruri"].startswith(f"sip:alice@127.0.0.1:{confab.port}")
    # confabd's answer chose Opus, baresip's first codec, and spoke RTP/AVP.
    ok = responses(bs.wait_received(confab.port, "SIP/2.0 200"), "INVITE")[0]
    assert re.search(r"^m=audio \d+ RTP/AVP \d+", sdp_of(ok), re.M), ok
    assert "opus/48000/2" in sdp_of(ok), ok

    # baresip puts confabd on hold (re-INVITE a=sendonly) and takes it off.
    mark = len(confab.watch.history.get(path, []))
    bs.command("hold")
    confab.watch.wait_prop(path, "RemoteHeld", True)
    bs.command("resume")
    confab.watch.wait_prop(path, "RemoteHeld", False)
    assert call_props(confab.daemon, path)["State"] == "active"
    assert ("RemoteHeld", True) in confab.watch.history[path][mark:]

    mark = bs.ctrl.mark()
    bs.command("hangup")
    wait_state(confab.watch, path, "ended", bs)
    assert call_props(confab.daemon, path)["EndReason"] == "remote-hangup"
    bs.wait_event("CALL_CLOSED", mark)
    entry = manager_iface(confab.daemon).GetHistory(dbus.UInt32(1))[0]
    assert entry["direction"] == "incoming" and entry["end-reason"] == "remote-hangup"
    assert entry["remote-uri"].startswith(f"sip:bob@127.0.0.1:{bs.sip_port}")


def test_baresip_call_rejected_by_confab(make_confab, peers, tmp_path):
    """baresip dials; the user rejects: baresip gets 603 Decline."""
    confab = make_confab("alice")
    bs = Baresip(tmp_path / "baresip", "bob")
    peers.append(bs)
    bs.command("dial", confab.uri())
    path = wait_incoming(confab.watch, bs)
    call_iface(confab.daemon, path).Reject()
    wait_state(confab.watch, path, "ended", bs)
    assert call_props(confab.daemon, path)["EndReason"] == "rejected"
    closed = bs.wait_event("CALL_CLOSED")
    assert "603" in closed.get("param", ""), closed
    assert responses(bs.wait_received(confab.port, "SIP/2.0 6"), "INVITE", "603")


def test_baresip_cancels(make_confab, peers, tmp_path):
    """baresip dials and hangs up before the answer: CANCEL, 487; confabd
    shows the call cancelled."""
    confab = make_confab("alice")
    bs = Baresip(tmp_path / "baresip", "bob")
    peers.append(bs)
    bs.command("dial", confab.uri())
    path = wait_incoming(confab.watch, bs)
    bs.wait_event("CALL_RINGING")
    bs.command("hangup")
    wait_state(confab.watch, path, "ended", bs)
    assert call_props(confab.daemon, path)["EndReason"] == "cancelled"
    bs.wait_sent(confab.port, "CANCEL ")
    assert responses(bs.wait_received(confab.port, "SIP/2.0 487"), "INVITE", "487")
    bs.wait_event("CALL_CLOSED")
