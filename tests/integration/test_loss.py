# SPDX-License-Identifier: GPL-3.0-or-later
"""Packet loss on the network: 10 % of the UDP datagrams are lost, at random, on the
way between the two daemons, and the tone still gets through (Opus PLC and in-band
FEC in the jitter buffer).

The loss is real, made by the kernel: an nftables rule (numgen random) on the input
of loopback, inside the network namespace of this test alone (tests/netns-run; the
test refuses to run anywhere else, and the rule dies with the namespace). This
kernel has no sch_netem, so tc netem cannot be used; nftables drops the same way
for UDP. SIP goes over TCP so that only the media (and ICE's checks, which are
retransmitted) lose packets.
"""
import shutil
import socket
import subprocess

import pytest

from confab_harness import Peer, call_props, establish
import test_media as tm
from test_media import pw, tones  # noqa: F401  (fixtures)

LOSS_PERCENT = 10

pytestmark = pytest.mark.skipif(shutil.which("nft") is None, reason="needs nftables (nft)")


def interfaces():
    # this network namespace's own (sysfs would show the mounter's)
    return [name for _, name in socket.if_nameindex()]


@pytest.fixture
def lossy_network():
    # Never on a real machine's network: only in the namespace netns-run made.
    if interfaces() != ["lo"]:
        pytest.fail(f"run through tests/netns-run: this namespace has {interfaces()}")
    rules = (f"add table inet confab_loss\n"
             f"add chain inet confab_loss input {{ type filter hook input priority 0; }}\n"
             f"add counter inet confab_loss dropped\n"
             f"add rule inet confab_loss input meta l4proto udp "
             f"numgen random mod 100 < {LOSS_PERCENT} counter name dropped drop\n")
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)
    yield
    subprocess.run(["nft", "delete", "table", "inet", "confab_loss"], check=True)


def dropped_packets():
    out = subprocess.run(["nft", "list", "counter", "inet", "confab_loss", "dropped"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split("packets")[1].split()[0])


def test_ten_percent_loss_still_delivers_the_tone(pw, make_daemon, tones, tmp_path,  # noqa: F811
                                                   lossy_network):
    alice = Peer(make_daemon, "alice", extra=tm.media_extra(tm.A_MIC, tm.A_SPEAKER, ""))
    bob = Peer(make_daemon, "bob", extra=tm.media_extra(tm.B_MIC, tm.B_SPEAKER, ""))
    a, b = establish(alice, bob, "tcp")
    rec = tm.play_and_record(pw, tmp_path, "lossy",
                             plays=[(tones["a"], tm.A_MIC_IN)],
                             records={"bob-hears": (tm.B_SPEAKER, True)})
    bob_hears = tm.Heard(rec["bob-hears"], tm.A_TONE, tm.B_TONE)
    tm.report(f"bob's speaker with {LOSS_PERCENT}% loss", bob_hears, bob, b)
    print(f"    nftables dropped {dropped_packets()} UDP datagrams")
    tm.assert_tone(bob_hears, tm.A_TONE, tm.B_TONE)
    stats = call_props(bob.daemon, b)["Stats"]
    assert dropped_packets() > 0
    assert stats["packets-lost"] > 0, stats
    assert 0.02 < stats["loss"] < 0.3, stats
    tm.hang_up(alice, bob, a, b)
