# SPDX-License-Identifier: GPL-3.0-or-later
"""Attacks on end-to-end encryption (issue 5, R10): two daemons whose
signaling and media both cross a test relay (zrtp_relay.py) that can strip
a=zrtp-hash, tamper with ZRTP messages, or run a ZRTP man in the middle
(tests/tools/cf-zrtp-mitm.c). Calls are over UDP, so a call that is not
end-to-end shows Encryption "unprotected-keys".
"""
import os
import re
import struct

import dbus
import pytest

from confab_harness import BUILD_DIR, Peer, call_props, dial, wait_until
from zrtp_relay import (TAMPER_OFFSET, ZrtpRelay, crc32c, crc_ok, early_media, tamper,
                        zrtp_type)

MITM = os.path.join(BUILD_DIR, "tests", "tools", "cf-zrtp-mitm")
CODE = re.compile(r"^\d{5} \d{5} \d{5} \d{5}$")
E2EE_ON = "[privacy]\nend-to-end-encryption = true\n"


@pytest.fixture
def peers(make_daemon):
    return Peer(make_daemon, "alice", E2EE_ON), Peer(make_daemon, "bob", E2EE_ON)


@pytest.fixture
def relay_for(peers):
    """relay_for(mode) -> a ZrtpRelay between alice and bob (closed after the test)."""
    relays = []

    def make(mode, mitm_args=()):
        if mode.startswith("mitm"):
            assert os.access(MITM, os.X_OK), f"{MITM} is not built"
        alice, bob = peers
        r = ZrtpRelay(alice.port, bob.port, mode, mitm=MITM, mitm_args=mitm_args)
        relays.append(r)
        return r

    yield make
    for r in relays:
        r.close()


def call_through(relay, alice, bob):
    """Alice calls Bob through @relay, Bob answers. -> (a, b)"""
    a = dial(alice.daemon, relay.uri("bob"))
    b = bob.watch.wait_incoming()
    alice.watch.wait_state(a, "ringing")
    bob.call(b).Answer(dbus.Dictionary({}, signature="sv"))
    # An attack may end the call at once, even before Bob's side saw the ACK.
    for peer, p in ((alice, a), (bob, b)):
        wait_until(lambda: {"active", "ended"} & set(peer.watch.states(p)),
                   f"{peer.name}: call active or ended")
    return a, b


def wait_e2ee(peer, path):
    wait_until(lambda: peer.watch.get(path, "Encryption") == "end-to-end",
               f"{peer.name}: end-to-end (now {peer.watch.get(path, 'Encryption')!r}, "
               f"reason {peer.watch.get(path, 'EndToEndReason')!r})")
    return call_props(peer.daemon, path)


def hang_up(alice, bob, a, b):
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")


def rtp_seen(relay, direction):
    return sum(1 for _, d, k in relay.snapshot() if d == direction and k == "rtp")


def test_pass_through_relay_is_end_to_end_and_no_media_before_secure(peers, relay_for):
    """The relay itself changes nothing (the codes match), and what crossed
    it shows no RTP/SRTP packet before that side's ZRTP completed: the
    responder's after it sent Conf2ACK, the initiator's after it received it."""
    alice, bob = peers
    relay = relay_for("pass")
    a, b = call_through(relay, alice, bob)
    pa, pb = wait_e2ee(alice, a), wait_e2ee(bob, b)
    assert CODE.match(pa["SecurityCode"]), pa["SecurityCode"]
    assert pa["SecurityCode"] == pb["SecurityCode"]
    assert pa["Sas"] == pb["Sas"]
    # Enough media both ways that a leak would have shown.
    wait_until(lambda: rtp_seen(relay, "a2b") >= 20 and rtp_seen(relay, "b2a") >= 20,
               "media through the relay both ways")
    hang_up(alice, bob, a, b)

    events = relay.snapshot()
    assert early_media(events) == [], events
    # Nothing but ZRTP crossed before the first media packet, in either direction.
    first = min(seq for seq, _, k in events if k == "rtp")
    assert all(k.startswith("zrtp:") for _, _, k in events[:first]), events[:first]


def test_early_media_check_sees_a_leak():
    """The check above, on made-up relay records: it is not vacuous."""
    exchange = [(0, "a2b", "zrtp:Hello"), (1, "b2a", "zrtp:Hello"), (2, "a2b", "zrtp:Commit"),
                (3, "b2a", "zrtp:DHPart1"), (4, "a2b", "zrtp:DHPart2"),
                (5, "b2a", "zrtp:Confirm1"), (6, "a2b", "zrtp:Confirm2")]
    ok = exchange + [(7, "b2a", "zrtp:Conf2ACK"), (8, "b2a", "rtp"), (9, "a2b", "rtp")]
    assert early_media(ok) == []
    # The initiator (a) sends media before the responder's Conf2ACK reached it.
    leak_init = exchange + [(7, "a2b", "rtp"), (8, "b2a", "zrtp:Conf2ACK")]
    assert early_media(leak_init) == [(7, "a2b", "rtp")]
    # The responder (b) sends media before its Conf2ACK.
    leak_resp = exchange + [(7, "b2a", "rtp"), (8, "b2a", "zrtp:Conf2ACK")]
    assert early_media(leak_resp) == [(7, "b2a", "rtp")]
    with pytest.raises(AssertionError):
        early_media(exchange + [(7, "a2b", "rtp")])


def test_relay_tampering_keeps_packets_well_formed():
    """CRC-32C as RFC 3309/RFC 6189 use it; a tampered packet keeps a good CRC."""
    assert crc32c(b"123456789") == 0xE3069283
    body = b"\x50\x5a\x00\x1d" + b"Confirm1" + bytes(range(104))
    packet = b"\x10\x00\x00\x07" + b"ZRTP" + b"\x01\x02\x03\x04" + body
    packet += struct.pack("<I", crc32c(packet))
    assert zrtp_type(packet) == "Confirm1" and crc_ok(packet)
    bad = tamper(packet, TAMPER_OFFSET["Confirm1"])
    assert crc_ok(bad) and bad != packet and len(bad) == len(packet)
    assert sum(x != y for x, y in zip(bad, packet)) in (2, 3, 4, 5)  # one body byte + CRC


def test_man_in_the_middle_gives_different_codes(peers, relay_for):
    """A MITM with its own ZRTP towards each side (and its own a=zrtp-hash in
    the SDP each side receives) gets both calls "end-to-end", but each with
    the MITM: the two security codes differ, which is what the users compare."""
    alice, bob = peers
    relay = relay_for("mitm")
    a, b = call_through(relay, alice, bob)
    pa, pb = wait_e2ee(alice, a), wait_e2ee(bob, b)
    wait_until(lambda: len(relay.mitm_results) == 2, "the MITM's two legs finish")
    print(f"\nalice {pa['SecurityCode']} ({pa['Sas']}), bob {pb['SecurityCode']} ({pb['Sas']}), "
          f"mitm {relay.mitm_results}")
    assert CODE.match(pa["SecurityCode"]) and CODE.match(pb["SecurityCode"])
    assert pa["SecurityCode"] != pb["SecurityCode"]
    assert pa["Sas"] != pb["Sas"]
    # Each side shares its code with the MITM, not with the other side.
    assert relay.mitm_results["A"] == ("SECURE", pa["Sas"], pa["SecurityCode"])
    assert relay.mitm_results["B"] == ("SECURE", pb["Sas"], pb["SecurityCode"])
    assert pa["KeyContinuity"] == pb["KeyContinuity"] == "new"
    hang_up(alice, bob, a, b)


def test_man_in_the_middle_with_the_peers_zids_meets_the_cache(peers, relay_for):
    """After a first, direct call (Alice marks it verified), a MITM that
    presents each side with the other's ZID finds the retained secret it does
    not know: both sides show KeyContinuity "mismatch", Alice's mark no
    longer holds, and the codes differ."""
    alice, bob = peers
    direct = relay_for("pass")
    a, b = call_through(direct, alice, bob)
    wait_e2ee(alice, a)
    wait_e2ee(bob, b)
    alice.call(a).MarkVerified(True)
    alice.watch.wait_prop(a, "Verified", True)
    hang_up(alice, bob, a, b)
    zids = direct.zids
    assert set(zids) == {"a", "b"} and zids["a"] != zids["b"], zids

    # Leg A faces Alice as Bob, leg B faces Bob as Alice.
    relay = relay_for("mitm", ["--zid-a", zids["b"], "--zid-b", zids["a"]])
    a, b = call_through(relay, alice, bob)
    pa, pb = wait_e2ee(alice, a), wait_e2ee(bob, b)
    assert relay.zids == {"a": zids["a"], "b": zids["b"]}
    assert pa["KeyContinuity"] == pb["KeyContinuity"] == "mismatch", (pa, pb)
    assert not pa["Verified"] and not pb["Verified"]
    assert pa["SecurityCode"] != pb["SecurityCode"]
    assert "mismatch" in alice.daemon.stderr() and "mismatch" in bob.daemon.stderr()
    hang_up(alice, bob, a, b)


def test_man_in_the_middle_without_signaling_fails(peers, relay_for):
    """The same MITM in the media path only: the SDP keeps each daemon's own
    a=zrtp-hash, which the MITM's Hellos do not match (RFC 6189 §8.1). Both
    calls end e2ee-failed; neither was ever end-to-end."""
    alice, bob = peers
    relay = relay_for("mitm-keep-hash")
    a, b = call_through(relay, alice, bob)
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    pa, pb = call_props(alice.daemon, a), call_props(bob.daemon, b)
    print(f"\nalice {pa['EndReason']}/{pa['EndToEndReason']} {alice.watch.states(a)}, "
          f"bob {pb['EndReason']}/{pb['EndToEndReason']} {bob.watch.states(b)}")
    # The side that finds it says so in its BYE (Reason, RFC 3326): both show it.
    ends = {pa["EndReason"], pb["EndReason"]}
    assert ends == {"e2ee-failed"}, ends
    for peer, p in ((alice, a), (bob, b)):
        seen = [v for k, v in peer.watch.history[p] if k == "Encryption"]
        assert "end-to-end" not in seen, (peer.name, seen)
        assert call_props(peer.daemon, p)["SecurityCode"] == ""
    assert "hello-hash" in alice.daemon.stderr() + bob.daemon.stderr()


# Who checks what (RFC 6189): the initiator finds a bad DHPart1 (its DH
# result, then the Confirm1 MAC, differ) and a bad Confirm1 (its MAC); the
# responder finds a bad DHPart2 (hvi from the Commit) and a bad Confirm2.
DETECTOR = {"tamper-dhpart1": "initiator", "tamper-dhpart2": "responder",
            "tamper-confirm1": "initiator", "tamper-confirm2": "responder"}
# What it finds: a wrong DH result shows as a Confirm1 MAC that does not check.
REASON = {"tamper-dhpart1": "confirm-mac", "tamper-dhpart2": "commitment",
          "tamper-confirm1": "confirm-mac", "tamper-confirm2": "confirm-mac"}


@pytest.mark.parametrize("mode", sorted(DETECTOR))
def test_tampered_message_ends_the_call_e2ee_failed(peers, relay_for, mode):
    alice, bob = peers
    relay = relay_for(mode)
    a, b = call_through(relay, alice, bob)
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    assert relay.tampered > 0
    roles = relay.roles()
    by_side = {"a": (alice, a), "b": (bob, b)}
    detector, path = by_side[roles[DETECTOR[mode]]]
    other, other_path = by_side["b" if roles[DETECTOR[mode]] == "a" else "a"]
    pd = call_props(detector.daemon, path)
    po = call_props(other.daemon, other_path)
    print(f"\n{mode}: {detector.name} {pd['EndReason']}/{pd['EndToEndReason']}, "
          f"{other.name} {po['EndReason']}/{po['EndToEndReason']}")
    assert (pd["EndReason"], pd["EndToEndReason"]) == ("e2ee-failed", "failed")
    # The tampered packet was taken as a packet (good CRC): a protocol check
    # failed, not a timeout after drops.
    why = re.findall(r"end-to-end encryption failed \(([a-z-]+)\)", detector.daemon.stderr())
    assert why == [REASON[mode]], why
    assert pd["SecurityCode"] == "" and pd["Encryption"] != "end-to-end"
    # The other side ends too, and shows why: by its own failure (the Error
    # message) or the Reason of the BYE, whichever comes first.
    assert (po["EndReason"], po["EndToEndReason"]) == ("e2ee-failed", "failed"), po
    for peer, p in ((alice, a), (bob, b)):
        seen = [v for k, v in peer.watch.history[p] if k == "Encryption"]
        assert "end-to-end" not in seen and "unprotected-keys" not in seen, (peer.name, seen)
    # No media crossed at all: the keys never existed.
    assert not any(k == "rtp" for _, _, k in relay.snapshot()), relay.snapshot()


def test_stripped_zrtp_hash_is_standard_and_says_so(peers, relay_for):
    """a=zrtp-hash taken out of the offer: neither side can tell the other
    asked for ZRTP; the call is SDES (unprotected-keys over UDP) and each side
    says why: peer-unsupported. Bob's answer does not advertise ZRTP either,
    and no ZRTP packet is sent."""
    alice, bob = peers
    relay = relay_for("strip-zrtp-hash")
    a, b = call_through(relay, alice, bob)
    for peer, p in ((alice, a), (bob, b)):
        peer.watch.wait_prop(p, "Encryption", "unprotected-keys")
    pa, pb = call_props(alice.daemon, a), call_props(bob.daemon, b)
    for p in (pa, pb):
        assert p["Encryption"] == "unprotected-keys"
        assert p["EndToEndReason"] == "peer-unsupported"
        assert p["SecurityCode"] == "" and p["Sas"] == ""
    assert "a" in relay.hashes and "b" not in relay.hashes, relay.hashes
    wait_until(lambda: rtp_seen(relay, "a2b") >= 5 and rtp_seen(relay, "b2a") >= 5,
               "media through the relay both ways")
    assert not any(k.startswith("zrtp:") for _, _, k in relay.snapshot())
    hang_up(alice, bob, a, b)


def test_stripped_zrtp_hash_in_the_answer_only_is_no_silent_downgrade(peers, relay_for):
    """a=zrtp-hash taken out of Bob's answer only: Alice sees a peer without
    ZRTP and uses SDES; Bob saw both sides advertise it, so he waits for ZRTP,
    sends no media meanwhile, and ends the call e2ee-failed when Alice's
    Hellos never come (RFC 6189 §6 Hello retransmissions)."""
    alice, bob = peers
    relay = relay_for("strip-answer")
    a, b = call_through(relay, alice, bob)
    alice.watch.wait_prop(a, "Encryption", "unprotected-keys")
    assert call_props(alice.daemon, a)["EndToEndReason"] == "peer-unsupported"
    bob.watch.wait_state(b, "ended")
    alice.watch.wait_state(a, "ended")
    pb = call_props(bob.daemon, b)
    assert (pb["EndReason"], pb["EndToEndReason"]) == ("e2ee-failed", "failed")
    seen = [v for k, v in bob.watch.history[b] if k == "Encryption"]
    assert "unprotected-keys" not in seen and "end-to-end" not in seen, seen
    assert call_props(alice.daemon, a)["EndReason"] == "remote-hangup"
    events = relay.snapshot()
    assert not any(d == "b2a" and k == "rtp" for _, d, k in events), "Bob sent media"
    assert all(k == "zrtp:Hello" for _, d, k in events if d == "b2a"), events
    assert not any(d == "a2b" and k.startswith("zrtp:") for _, d, k in events)


@pytest.mark.parametrize("mode,holder,victim", [
    ("strip-reinvite", "alice", "bob"),
    ("strip-reinvite", "bob", "alice"),
    ("strip-reinvite-answer", "alice", "alice"),
])
def test_reinvite_without_zrtp_hash_ends_e2ee_downgrade(peers, relay_for, mode, holder, victim):
    """Hold in an end-to-end call; the relay takes a=zrtp-hash out of the
    re-INVITE's offer (or of its answer): the side that receives that SDP
    ends the call e2ee-downgrade, and the other side's call ends too, saying so
    (the Reason of the BYE)."""
    alice, bob = peers
    relay = relay_for(mode)
    a, b = call_through(relay, alice, bob)
    wait_e2ee(alice, a)
    wait_e2ee(bob, b)
    by_name = {"alice": (alice, a), "bob": (bob, b)}
    h, hp = by_name[holder]
    v, vp = by_name[victim]
    # The hold itself fails: refused with 488, or the call ended under it.
    with pytest.raises(dbus.DBusException) as e:
        h.call(hp).Hold()
    expected = ("org.confab.Confab1.Error.Rejected" if victim != holder
                else "org.confab.Confab1.Error.Failed")
    assert e.value.get_dbus_name() == expected, e.value
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")
    assert relay.reinvites
    pv = call_props(v.daemon, vp)
    assert pv["EndReason"] == "e2ee-downgrade", pv["EndReason"]
    other, op = by_name["bob" if victim == "alice" else "alice"]
    po = call_props(other.daemon, op)
    print(f"\n{mode} {holder} holds: {victim} {pv['EndReason']}, {other.name} {po['EndReason']}")
    assert po["EndReason"] == "e2ee-downgrade", po["EndReason"]
