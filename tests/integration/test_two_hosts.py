# SPDX-License-Identifier: GPL-3.0-or-later
"""Two hosts: Alice's daemon in this test's network namespace, Bob's in a second one
that the test makes, joined by a veth pair (10.77.0.1 <-> 10.77.0.2, addresses that
exist only in these two namespaces). Nothing but the veth link joins them, as two
machines on a LAN: SIP, ICE and SRTP cross it; D-Bus and PipeWire are Unix sockets in
the filesystem, which both namespaces share, so the same lab graph serves both.

Runs through tests/netns-run (meson test does), which makes the first namespace; the
test refuses to run anywhere else. A 440 Hz tone from Alice's microphone is heard at
Bob's speaker and 880 Hz the other way, in an end-to-end encrypted call whose two
security codes match.
"""
import shutil
import socket
import subprocess

import pytest

from confab_harness import (Bus, CallWatcher, Daemon, call_iface, call_props, establish,
                            free_port, peer_config, wait_until)
import test_media as tm
from test_media import pw, tones  # noqa: F401  (fixtures)

A_ADDR, B_ADDR = "10.77.0.1", "10.77.0.2"

pytestmark = pytest.mark.skipif(shutil.which("nsenter") is None, reason="needs nsenter")


def interfaces():
    return [name for _, name in socket.if_nameindex()]


def run(*args):
    subprocess.run(list(args), check=True, stdin=subprocess.DEVNULL)


@pytest.fixture
def second_host():
    """A second network namespace, held by a sleeping process, linked to this one by
    a veth pair. -> the path of its network namespace"""
    if interfaces() != ["lo"]:
        pytest.fail(f"run through tests/netns-run: this namespace has {interfaces()}")
    holder = subprocess.Popen(["unshare", "--net", "--", "sleep", "infinity"])
    try:
        netns = f"/proc/{holder.pid}/ns/net"
        # Wait until the holder is in its own namespace (unshare before exec).
        mine = subprocess.run(["readlink", "/proc/self/ns/net"], capture_output=True,
                              text=True).stdout
        wait_until(lambda: subprocess.run(["readlink", netns], capture_output=True,
                                          text=True).stdout not in ("", mine),
                   "the second namespace")
        run("ip", "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b",
            "netns", str(holder.pid))
        run("ip", "addr", "add", f"{A_ADDR}/24", "dev", "veth-a")
        run("ip", "link", "set", "veth-a", "up")
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "addr", "add", f"{B_ADDR}/24", "dev", "veth-b"],
                    ["ip", "link", "set", "veth-b", "up"]):
            run("nsenter", f"--net={netns}", "--", *cmd)
        yield netns
    finally:
        holder.kill()
        holder.wait()


class HostDaemon(Daemon):
    """A confabd started in another network namespace."""

    def __init__(self, netns, *args, **kwargs):
        self.netns = netns
        super().__init__(*args, **kwargs)

    def command(self):
        return ["nsenter", f"--net={self.netns}", "--"] + super().command()


class HostPeer:
    def __init__(self, daemon, name, address, port):
        self.name, self.address, self.port = name, address, port
        self.daemon = daemon.start()
        self.watch = CallWatcher(self.daemon)

    def uri(self, transport="tcp"):
        assert transport == "tcp"
        return f"sip:{self.name}@{self.address}:{self.port};transport=tcp"

    def call(self, path):
        return call_iface(self.daemon, path)


def host_config(name, address, port, who):
    media = tm.media_extra(who[0], who[1],
                           f"local-addresses = {address}\n"
                           "[privacy]\nend-to-end-encryption = true\n")
    # SIP over TCP: the test certificate names 127.0.0.1, not these addresses (and
    # end-to-end encryption does not depend on the signaling's).
    config = peer_config(name, port, media, transports=("tcp",))
    return config.replace("127.0.0.1", address)


def test_two_hosts_over_a_veth_link(pw, make_daemon, tones, tmp_path,  # noqa: F811
                                    second_host):
    # The ports are free on both hosts: each has only its own address and lo.
    a_port, b_port = free_port(), free_port()
    alice = HostPeer(make_daemon("alice", own_bus=True,
                                 config=host_config("alice", A_ADDR, a_port,
                                                    (tm.A_MIC, tm.A_SPEAKER))),
                     "alice", A_ADDR, a_port)
    bob_daemon = HostDaemon(second_host, Bus(tmp_path / "bus-bob"), tmp_path / "bob",
                            config=host_config("bob", B_ADDR, b_port, (tm.B_MIC, tm.B_SPEAKER)))
    try:
        bob = HostPeer(bob_daemon, "bob", B_ADDR, b_port)
        a, b = establish(alice, bob, "tcp")
        tm.wait_encryption(alice, a, "end-to-end")
        tm.wait_encryption(bob, b, "end-to-end")
        pa, pb = call_props(alice.daemon, a), call_props(bob.daemon, b)
        print(f"\nalice ({A_ADDR}) {pa['SecurityCode']}, bob ({B_ADDR}) {pb['SecurityCode']}")
        assert pa["SecurityCode"] == pb["SecurityCode"] != ""

        rec = tm.play_and_record(pw, tmp_path, "hosts",
                                 plays=[(tones["a"], tm.A_MIC_IN), (tones["b"], tm.B_MIC_IN)],
                                 records={"bob-hears": (tm.B_SPEAKER, True),
                                          "alice-hears": (tm.A_SPEAKER, True)})
        bob_hears = tm.Heard(rec["bob-hears"], tm.A_TONE, tm.B_TONE)
        alice_hears = tm.Heard(rec["alice-hears"], tm.A_TONE, tm.B_TONE)
        tm.report("bob's speaker, on the second host", bob_hears, bob, b)
        tm.report("alice's speaker", alice_hears, alice, a)
        tm.assert_tone(bob_hears, tm.A_TONE, tm.B_TONE)
        tm.assert_tone(alice_hears, tm.B_TONE, tm.A_TONE)
        assert call_props(alice.daemon, a)["Stats"]["transport"] == "ice"
        tm.hang_up(alice, bob, a, b)
    finally:
        assert bob_daemon.stop() in (0, None)
        bob_daemon.bus.close()
