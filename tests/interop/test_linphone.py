# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd and linphonec (Debian linphone-cli) calling each other directly on
loopback, with linphone's media encryption off (confabd offers plain RTP/AVP
and no ZRTP yet). Signaling and SDP negotiation only: confabd sends no RTP
yet. linphonec takes commands on stdin and prints call events on stdout; its
debug log (-d 6) holds every SIP message, which the tests read."""
import re

import dbus

from confab_harness import call_async, call_iface, call_props, dial, manager_iface, wait_reply
from interop_harness import Linphonec, wait_incoming, wait_state

ANSWER = dbus.Dictionary({}, signature="sv")


def sdp_direction(message):
    m = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", message, re.M)
    return m.group(1) if m else "sendrecv"


def cseq_method(message):
    m = re.search(r"^CSeq: *\d+ +(\S+)", message, re.M | re.I)
    return m.group(1) if m else None


def test_confab_calls_linphonec(make_confab, peers, tmp_path):
    """confabd dials linphonec, which answers by itself (autoanswer); confabd
    holds and resumes with re-INVITEs (a=sendonly, then a=sendrecv), and
    hangs up."""
    confab = make_confab("alice")
    lp = Linphonec(tmp_path / "linphone", "carol", autoanswer=True)
    peers.append(lp)

    path = dial(confab.daemon, lp.uri())
    wait_state(confab.watch, path, "active", lp)
    lp.wait_line(r'Receiving new incoming call from "Alice" <sip:alice@127\.0\.0\.1:'
                 + str(confab.port) + ">")
    lp.wait_line(r"Call 1 with .* connected\.")
    invite = lp.wait_sip("received", "INVITE ")[0]
    assert re.search(r"^m=audio \d+ RTP/AVP ", invite, re.M), invite
    ok = [m for m in lp.wait_sip("sent", "SIP/2.0 200") if cseq_method(m) == "INVITE"][0]
    assert re.search(r"^a=rtpmap:\d+ opus/48000/2", ok, re.M), ok

    mark = lp.mark()
    wait_reply(call_async(call_iface(confab.daemon, path).Hold), "Hold")
    assert call_props(confab.daemon, path)["State"] == "held"
    lp.wait_line(r'Call 1 has been paused by "Alice"', mark)
    mark = lp.mark()
    wait_reply(call_async(call_iface(confab.daemon, path).Resume), "Resume")
    assert call_props(confab.daemon, path)["State"] == "active"
    lp.wait_line(r"Media streams established with .* for call 1", mark)
    reinvites = lp.wait_sip("received", "INVITE ", 3)[1:]
    assert [sdp_direction(m) for m in reinvites] == ["sendonly", "sendrecv"], reinvites
    answers = [m for m in lp.wait_sip("sent", "SIP/2.0 200", 3) if cseq_method(m) == "INVITE"]
    assert [sdp_direction(m) for m in answers[1:]] == ["recvonly", "sendrecv"], answers

    call_iface(confab.daemon, path).Hangup()
    wait_state(confab.watch, path, "ended", lp)
    assert call_props(confab.daemon, path)["EndReason"] == "local-hangup"
    lp.wait_line(r"Call 1 with .* ended")
    lp.wait_sip("received", "BYE ")


def test_linphonec_calls_confab(make_confab, peers, tmp_path):
    """linphonec dials confabd; the user answers over D-Bus; linphonec
    pauses and resumes the call (confabd shows RemoteHeld) and hangs up:
    confabd shows remote-hangup."""
    confab = make_confab("alice")
    lp = Linphonec(tmp_path / "linphone", "carol")
    peers.append(lp)

    lp.send(f"call {confab.uri()}")
    path = wait_incoming(confab.watch, lp)
    props = call_props(confab.daemon, path)
    assert props["State"] == "incoming" and props["Direction"] == "incoming"
    invite = lp.wait_sip("sent", "INVITE ")[0]
    sender = re.search(r"^From: *(?:\"?([^\"<]*)\"? *)?<([^>]+)>", invite, re.M)
    assert sender, invite
    assert props["RemoteUri"] == sender.group(2)  # linphone sends sip:carol@127.0.0.1
    assert props["RemoteUri"].startswith("sip:carol@127.0.0.1")
    assert props["RemoteName"] == "carol"
    lp.wait_line(r"Call 1 to .* ringing\.")

    call_iface(confab.daemon, path).Answer(ANSWER)
    wait_state(confab.watch, path, "active", lp)
    lp.wait_line(r"Call 1 with .* connected\.")
    ok = [m for m in lp.wait_sip("received", "SIP/2.0 200") if cseq_method(m) == "INVITE"][0]
    assert re.search(r"^m=audio \d+ RTP/AVP ", ok, re.M), ok

    lp.send("pause")
    confab.watch.wait_prop(path, "RemoteHeld", True)
    lp.wait_line(r"Call 1 with .* is now paused\.")
    assert call_props(confab.daemon, path)["State"] == "active"
    lp.send("resume")
    confab.watch.wait_prop(path, "RemoteHeld", False)
    answers = [m for m in lp.wait_sip("received", "SIP/2.0 200", 3) if cseq_method(m) == "INVITE"]
    assert [sdp_direction(m) for m in answers] == ["sendrecv", "recvonly", "sendrecv"], answers

    lp.send("terminate")
    wait_state(confab.watch, path, "ended", lp)
    assert call_props(confab.daemon, path)["EndReason"] == "remote-hangup"
    lp.wait_line(r"Call 1 with .* ended")
    entry = manager_iface(confab.daemon).GetHistory(dbus.UInt32(1))[0]
    assert entry["direction"] == "incoming" and entry["end-reason"] == "remote-hangup"


def test_linphonec_call_rejected_by_confab(make_confab, peers, tmp_path):
    """linphonec dials; the user rejects: linphone gets 603 Decline."""
    confab = make_confab("alice")
    lp = Linphonec(tmp_path / "linphone", "carol")
    peers.append(lp)
    lp.send(f"call {confab.uri()}")
    path = wait_incoming(confab.watch, lp)
    call_iface(confab.daemon, path).Reject()
    wait_state(confab.watch, path, "ended", lp)
    assert call_props(confab.daemon, path)["EndReason"] == "rejected"
    lp.wait_sip("received", "SIP/2.0 603")
    lp.wait_line(r"Call 1 .* ended")
