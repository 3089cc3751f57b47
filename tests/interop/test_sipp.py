# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd against sipp (package sip-tester): sipp's own built-in caller and
callee scenarios, and scenarios of ours (tests/interop/sipp/) for a rejected
call, a cancelled call, chat inside a call and an INVITE without SDP.
Signaling and SDP negotiation only (confabd sends no RTP yet)."""
import os

import dbus
import pytest

from confab_harness import (call_async, call_iface, call_props, dial, manager_iface, wait_reply,
                            wait_until)
from interop_harness import Sipp, wait_incoming, wait_state


def history(confab, n=50):
    return list(manager_iface(confab.daemon).GetHistory(dbus.UInt32(n)))


def assert_incoming_answered(states):
    """The State values of an answered incoming call that a client saw.
    GDBus folds changes that happen before its idle handler runs into one
    PropertiesChanged: when sipp's BYE follows the answer at once, 'active'
    may be folded into 'ended'. That the call was answered is proved by
    sipp (it got the 200) and by the history (start-time)."""
    assert states in (["incoming", "active", "ended"], ["incoming", "ended"]), states


def assert_sipp_ok(sipp, calls):
    rc = sipp.wait_exit()
    assert rc == 0, sipp.report()
    stats = sipp.stats()
    assert int(stats["SuccessfulCall(C)"]) == calls, sipp.report()
    assert int(stats["FailedCall(C)"]) == 0, sipp.report()


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_sipp_uac_calls_auto_answered(make_confab, peers, tmp_path, transport):
    """sipp -sn uac places N calls (INVITE, 180/200, ACK, BYE); confabd
    answers each by itself; sipp counts N successful calls."""
    n = 5
    confab = make_confab("confab", extra="[calls]\nauto-answer = true\n")
    sipp = Sipp(tmp_path / "sipp", "uac", remote=f"127.0.0.1:{confab.port}", calls=n,
                transport="u1" if transport == "udp" else "t1")
    peers.append(sipp)
    assert_sipp_ok(sipp, n)

    # Every call came in, was answered and ended by sipp's BYE.
    w = confab.watch
    wait_until(lambda: len(w.incoming) == n, f"{n} IncomingCall signals (got {len(w.incoming)})")
    w_paths = list(w.incoming)
    for p in w_paths:
        w.wait_state(p, "ended")
        assert_incoming_answered(w.states(p))
        props = call_props(confab.daemon, p)
        assert props["EndReason"] == "remote-hangup"
        assert props["Direction"] == "incoming"
        assert props["RemoteUri"].startswith("sip:sipp@127.0.0.1")

    entries = history(confab)
    assert len(entries) == n
    for e in entries:
        assert e["direction"] == "incoming"
        assert e["end-reason"] == "remote-hangup"
        assert e["start-time"] > 0
        assert e["remote-uri"].startswith("sip:sipp@127.0.0.1")

    # The answers carried SDP that chose PCMU, the only codec sipp offered.
    received = sipp.trace()
    assert received.count("SIP/2.0 200 OK") >= 2 * n  # INVITE and BYE of each call
    assert "m=audio" in received and "RTP/AVP 0" in received


def test_sipp_uac_rejected(make_confab, peers, tmp_path):
    """INVITE, 180, the user rejects over D-Bus: 603 Decline, ACK."""
    confab = make_confab("confab")
    sipp = Sipp(tmp_path / "sipp", "uac_reject.xml", remote=f"127.0.0.1:{confab.port}")
    peers.append(sipp)
    path = wait_incoming(confab.watch, sipp)
    assert call_props(confab.daemon, path)["State"] == "incoming"
    call_iface(confab.daemon, path).Reject()
    assert_sipp_ok(sipp, 1)
    confab.watch.wait_state(path, "ended")
    assert call_props(confab.daemon, path)["EndReason"] == "rejected"
    received = [m for d, m in sipp.messages("received")]
    assert received[-1].startswith("SIP/2.0 603"), received
    assert any(m.startswith("SIP/2.0 180") for m in received), received
    assert history(confab)[0]["end-reason"] == "rejected"


def test_sipp_uac_cancelled(make_confab, peers, tmp_path):
    """INVITE, 180, CANCEL: 200 to the CANCEL, 487 to the INVITE, ACK; the
    call ends 'cancelled'."""
    confab = make_confab("confab")
    sipp = Sipp(tmp_path / "sipp", "uac_cancel.xml", remote=f"127.0.0.1:{confab.port}")
    peers.append(sipp)
    assert_sipp_ok(sipp, 1)
    path = confab.watch.wait_incoming()
    confab.watch.wait_state(path, "ended")
    assert call_props(confab.daemon, path)["EndReason"] == "cancelled"
    assert confab.watch.states(path) == ["incoming", "ended"]
    received = [m for d, m in sipp.messages("received")]
    assert any(m.startswith("SIP/2.0 487") for m in received), received
    assert history(confab)[0]["end-reason"] == "cancelled"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_sipp_uas_called_by_confab(make_confab, peers, tmp_path, transport):
    """sipp -sn uas answers confabd's call (180, 200 with SDP); confabd hangs
    up over D-Bus and sipp answers the BYE with 200."""
    confab = make_confab("confab")
    sipp = Sipp(tmp_path / "sipp", "uas", calls=1,
                transport="u1" if transport == "udp" else "t1")
    peers.append(sipp)
    sipp.wait_ready()
    target = f"sip:service@127.0.0.1:{sipp.port}"
    if transport == "tcp":
        target += ";transport=tcp"
    path = dial(confab.daemon, target)
    wait_state(confab.watch, path, "active", sipp)
    # sipp sends 180 and 200 back to back: GDBus may fold 'ringing' and
    # 'active' into one PropertiesChanged, so 'ringing' need not be seen.
    assert confab.watch.states(path) in (["dialing", "ringing", "active"],
                                         ["dialing", "active"]), confab.watch.states(path)
    props = call_props(confab.daemon, path)
    assert props["Direction"] == "outgoing"
    assert props["StartTime"] > 0
    call_iface(confab.daemon, path).Hangup()
    confab.watch.wait_state(path, "ended")
    assert call_props(confab.daemon, path)["EndReason"] == "local-hangup"
    assert_sipp_ok(sipp, 1)

    # What sipp saw: our INVITE offered SDP, our ACK, our BYE (it answered 200).
    sent_by_confab = [m for d, m in sipp.messages("received")]
    assert [m.split()[0] for m in sent_by_confab] == ["INVITE", "ACK", "BYE"], sent_by_confab
    trace = sipp.trace()
    assert "m=audio" in trace and "RTP/AVP" in trace
    assert history(confab)[0]["end-reason"] == "local-hangup"
    assert os.path.exists(sipp.stat_path)


def test_sipp_chat_in_call(make_confab, peers, tmp_path):
    """Chat with a peer other than confabd: sipp sends a MESSAGE inside the
    call (MessageReceived on D-Bus), confabd answers with SendMessage, which
    sipp receives inside the dialog and answers 200; sipp hangs up."""
    confab = make_confab("confab", extra="[calls]\nauto-answer = true\n")
    sipp = Sipp(tmp_path / "sipp", "uac_chat.xml", remote=f"127.0.0.1:{confab.port}")
    peers.append(sipp)
    path = wait_incoming(confab.watch, sipp)
    wait_until(lambda: confab.watch.messages or sipp.check_running(), "MessageReceived")
    # sipp ends each line of a body with CRLF: the text is the whole body.
    assert confab.watch.messages == [(path, "hello from sipp, ça va?\r\n")]
    wait_reply(call_async(call_iface(confab.daemon, path).SendMessage, "hello sipp"),
               "SendMessage")
    assert_sipp_ok(sipp, 1)
    confab.watch.wait_state(path, "ended")
    assert call_props(confab.daemon, path)["EndReason"] == "remote-hangup"
    received = [m for d, m in sipp.messages("received")]
    assert [m.split()[0] for m in received if not m.startswith("SIP/2.0")] == ["MESSAGE"]


def test_sipp_invite_without_sdp(make_confab, peers, tmp_path):
    """An INVITE without an offer: confabd's 200 makes the offer, sipp's ACK
    carries the answer (RFC 3264 late offer)."""
    confab = make_confab("confab", extra="[calls]\nauto-answer = true\n")
    sipp = Sipp(tmp_path / "sipp", "uac_late_offer.xml", remote=f"127.0.0.1:{confab.port}")
    peers.append(sipp)
    assert_sipp_ok(sipp, 1)
    path = wait_incoming(confab.watch)
    confab.watch.wait_state(path, "ended")
    assert_incoming_answered(confab.watch.states(path))
    assert call_props(confab.daemon, path)["EndReason"] == "remote-hangup"
    assert history(confab)[0]["start-time"] > 0


def test_sipp_uas_busy(make_confab, peers, tmp_path):
    """confabd calls a busy callee: 486 Busy Here, ACKed; the call ends 'busy'."""
    confab = make_confab("confab")
    sipp = Sipp(tmp_path / "sipp", "uas_busy.xml")
    peers.append(sipp)
    sipp.wait_ready()
    path = dial(confab.daemon, f"sip:service@127.0.0.1:{sipp.port}")
    # sipp exits once it has the ACK, perhaps before the call's signals are
    # read: wait for sipp first.
    assert_sipp_ok(sipp, 1)
    confab.watch.wait_state(path, "ended")
    assert call_props(confab.daemon, path)["EndReason"] == "busy"
    assert history(confab)[0]["end-reason"] == "busy"


def test_sipp_uac_no_common_codec(make_confab, peers, tmp_path):
    """An offer of G.729 alone: confabd has no codec in common and answers
    488 Not Acceptable Here, even with auto-answer on."""
    confab = make_confab("confab", extra="[calls]\nauto-answer = true\n")
    sipp = Sipp(tmp_path / "sipp", "uac_no_common_codec.xml", remote=f"127.0.0.1:{confab.port}")
    peers.append(sipp)
    assert_sipp_ok(sipp, 1)
    received = [m for d, m in sipp.messages("received")]
    assert received[-1].startswith("SIP/2.0 488"), received
