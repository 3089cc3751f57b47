# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end encryption through D-Bus (R1-R7, DESIGN.md §3): two daemons, each on its
own bus with its own state database, calling over TLS (so that a call that is not
end-to-end is "standard"). ZRTP runs in the media path between them; the test reads
what each side shows: Encryption, EndToEndReason, SecurityCode, Sas, KeyContinuity,
Verified.
"""
import os
import re
import sqlite3

import dbus
import pytest

from confab_harness import CallWatcher, call_props, establish, free_port, peer_config

CODE = re.compile(r"^\d{5} \d{5} \d{5} \d{5}$")
B32 = re.compile(r"^[ybndrfg8ejkmcpqxot1uwisza345h769]{4}$")
ADMIN_OFF = "[policy]\nend-to-end-encryption = disabled\n"
COMPLIANCE = "[policy]\ncompliance-recording = true\ncompliance-archive = /tmp/confab-archive\n"


class E2eePeer:
    """A daemon with the E2EE setting @e2ee and the admin policy @policy."""

    def __init__(self, make_daemon, name, e2ee=True, policy=None, privacy=""):
        self.port = free_port()
        self.name = name
        extra = f"[privacy]\nend-to-end-encryption = {'true' if e2ee else 'false'}\n{privacy}"
        self.daemon = make_daemon(name, own_bus=True, policy=policy,
                                  config=peer_config(name, self.port, extra)).start()
        self.watch = CallWatcher(self.daemon)

    def uri(self, transport="tls"):
        if transport == "tls":
            return f"sip:{self.name}@127.0.0.1:{self.port + 1};transport=tls"
        return f"sip:{self.name}@127.0.0.1:{self.port}"

    def call(self, path):
        return dbus.Interface(self.daemon.bus.conn.get_object("org.confab.Confab1", path),
                              "org.confab.Confab1.Call")

    def restart(self):
        self.watch.close()
        assert self.daemon.stop() == 0
        self.daemon.start()
        self.watch = CallWatcher(self.daemon)

    def db(self):
        return os.path.join(self.daemon.state_home, "confab", "confab.db")


def call_between(alice, bob):
    """Alice calls Bob over TLS, Bob answers; both active. -> (a, b) call paths"""
    return establish(alice, bob, transport="tls")


def wait_settled(peer, path):
    """Until the call is end-to-end, or standard with a reason other than negotiating."""
    peer.watch.wait_prop(path, "State", "active")
    from confab_harness import wait_until
    wait_until(lambda: peer.watch.get(path, "Encryption") in ("end-to-end", "standard"),
               f"{peer.name}: encryption settles (now {peer.watch.get(path, 'Encryption')!r}, "
               f"reason {peer.watch.get(path, 'EndToEndReason')!r})")
    return call_props(peer.daemon, path)


def hang_up(alice, bob, a, b):
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")


@pytest.fixture
def both_on(make_daemon):
    return E2eePeer(make_daemon, "alice"), E2eePeer(make_daemon, "bob")


def test_both_on_end_to_end_with_equal_codes(both_on):
    alice, bob = both_on
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    for p in (pa, pb):
        assert p["Encryption"] == "end-to-end", p
        assert p["EndToEndReason"] == ""
        assert CODE.match(p["SecurityCode"]), p["SecurityCode"]
        assert B32.match(p["Sas"]), p["Sas"]
        assert p["KeyContinuity"] == "new"
        assert not p["Verified"]
    print(f"\nsecurity codes: alice {pa['SecurityCode']} ({pa['Sas']}), "
          f"bob {pb['SecurityCode']} ({pb['Sas']})")
    assert pa["SecurityCode"] == pb["SecurityCode"]
    assert pa["Sas"] == pb["Sas"]
    # R9 (core/cf-features.c): an end-to-end call lists none of the features it
    # refuses; of what exists today, chat (by the signaling, R8) and DTMF remain.
    assert list(pa["Features"]) == list(pb["Features"]) == ["chat", "dtmf"], pa["Features"]
    # While negotiating, nothing claimed a protection it did not have yet.
    for peer, path in ((alice, a), (bob, b)):
        seen = [v for k, v in peer.watch.history[path] if k == "Encryption"]
        assert seen and seen[-1] == "end-to-end" and "standard" not in seen, seen
    hang_up(alice, bob, a, b)


@pytest.mark.parametrize("who_off", ["alice", "bob"])
def test_one_side_off_is_standard_with_reasons(make_daemon, who_off):
    alice = E2eePeer(make_daemon, "alice", e2ee=who_off != "alice")
    bob = E2eePeer(make_daemon, "bob", e2ee=who_off != "bob")
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert pa["Encryption"] == pb["Encryption"] == "standard"
    reasons = {"alice": pa["EndToEndReason"], "bob": pb["EndToEndReason"]}
    other = "bob" if who_off == "alice" else "alice"
    assert reasons == {who_off: "local-disabled", other: "remote-disabled"}
    assert pa["SecurityCode"] == pb["SecurityCode"] == ""
    assert pa["Sas"] == pb["Sas"] == ""
    hang_up(alice, bob, a, b)


@pytest.mark.parametrize("policy,reason", [(ADMIN_OFF, "admin-disabled"),
                                           (COMPLIANCE, "compliance-recording")])
@pytest.mark.parametrize("where", ["alice", "bob"])
def test_policy_at_either_side(make_daemon, policy, reason, where):
    alice = E2eePeer(make_daemon, "alice", policy=policy if where == "alice" else None)
    bob = E2eePeer(make_daemon, "bob", policy=policy if where == "bob" else None)
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert pa["Encryption"] == pb["Encryption"] == "standard"
    assert pa["EndToEndReason"] == pb["EndToEndReason"] == reason
    hang_up(alice, bob, a, b)


def test_setting_changed_during_a_call_affects_the_next(both_on):
    alice, bob = both_on
    a, b = call_between(alice, bob)
    assert wait_settled(alice, a)["Encryption"] == "end-to-end"
    alice.daemon.set("EndToEndEncryption", False)
    assert call_props(alice.daemon, a)["Encryption"] == "end-to-end"
    assert call_props(bob.daemon, b)["Encryption"] == "end-to-end"
    hang_up(alice, bob, a, b)

    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert (pa["Encryption"], pa["EndToEndReason"]) == ("standard", "local-disabled")
    assert (pb["Encryption"], pb["EndToEndReason"]) == ("standard", "remote-disabled")
    hang_up(alice, bob, a, b)


def test_key_continuity_and_verification(both_on):
    alice, bob = both_on
    a, b = call_between(alice, bob)
    first = wait_settled(alice, a)
    assert first["KeyContinuity"] == "new"
    alice.call(a).MarkVerified(True)
    alice.watch.wait_prop(a, "Verified", True)
    hang_up(alice, bob, a, b)

    # The second call continues the keys of the first, and alice's mark holds.
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert pa["KeyContinuity"] == pb["KeyContinuity"] == "continued"
    assert pa["Verified"] and not pb["Verified"]
    assert pa["SecurityCode"] == pb["SecurityCode"] != first["SecurityCode"]
    hang_up(alice, bob, a, b)

    # The mark survives a restart: it is in alice's state database.
    alice.restart()
    a, b = call_between(alice, bob)
    pa = wait_settled(alice, a)
    assert pa["KeyContinuity"] == "continued" and pa["Verified"]
    hang_up(alice, bob, a, b)

    # Bob loses his cache (his ZID stays): he sees a new peer, alice a mismatch,
    # and her mark no longer holds.
    bob.watch.close()
    assert bob.daemon.stop() == 0
    with sqlite3.connect(bob.db()) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        peers = [t for t in tables if t == "zrtp_cache"]
        assert peers, tables
        for t in peers:
            db.execute(f"DELETE FROM {t}")
    bob.daemon.start()
    bob.watch = CallWatcher(bob.daemon)
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert pa["Encryption"] == pb["Encryption"] == "end-to-end"
    assert pb["KeyContinuity"] == "new"
    assert pa["KeyContinuity"] == "mismatch"
    assert not pa["Verified"]
    assert "mismatch" in alice.daemon.stderr()
    assert pa["SecurityCode"] == pb["SecurityCode"]
    hang_up(alice, bob, a, b)


def test_mark_verified_needs_end_to_end(make_daemon):
    alice = E2eePeer(make_daemon, "alice", e2ee=False)
    bob = E2eePeer(make_daemon, "bob")
    a, b = call_between(alice, bob)
    wait_settled(alice, a)
    with pytest.raises(dbus.DBusException) as e:
        alice.call(a).MarkVerified(True)
    assert e.value.get_dbus_name() == "org.confab.Confab1.Error.WrongState"
    hang_up(alice, bob, a, b)


def test_hold_and_resume_keep_the_call_end_to_end(both_on):
    """Re-INVITEs that keep a=zrtp-hash (hold, resume) are no downgrade (R10)."""
    from confab_harness import call_async, wait_reply
    alice, bob = both_on
    a, b = call_between(alice, bob)
    code = wait_settled(alice, a)["SecurityCode"]
    wait_settled(bob, b)
    wait_reply(call_async(alice.call(a).Hold), "Hold")
    bob.watch.wait_prop(b, "RemoteHeld", True)
    wait_reply(call_async(alice.call(a).Resume), "Resume")
    bob.watch.wait_prop(b, "RemoteHeld", False)
    for peer, path in ((alice, a), (bob, b)):
        p = call_props(peer.daemon, path)
        assert (p["State"], p["Encryption"], p["SecurityCode"]) == ("active", "end-to-end", code), p
    hang_up(alice, bob, a, b)


@pytest.mark.parametrize("setting,agreed", [("DH3k", "DH3k"), ("X255, DH3k", "X255")])
def test_key_agreement_setting(make_daemon, setting, agreed):
    """[privacy] zrtp-key-agreements on one side: what the two agree on."""
    alice = E2eePeer(make_daemon, "alice", privacy=f"zrtp-key-agreements = {setting}\n")
    bob = E2eePeer(make_daemon, "bob")
    a, b = call_between(alice, bob)
    pa, pb = wait_settled(alice, a), wait_settled(bob, b)
    assert pa["Encryption"] == pb["Encryption"] == "end-to-end"
    assert pa["SecurityCode"] == pb["SecurityCode"]
    for peer in (alice, bob):
        assert f"end-to-end encrypted ({agreed}," in peer.daemon.stderr(), peer.name
    hang_up(alice, bob, a, b)
