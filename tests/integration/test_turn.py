# SPDX-License-Identifier: GPL-3.0-or-later
"""ICE through a real TURN relay (coturn, RFC 8656) on loopback: the daemons
allocate relayed candidates with the long-term credentials of their
configuration, and the call's media flows."""
import os
import subprocess

import pytest

from confab_harness import GUARD_SECONDS, Peer, establish, free_port, wait_until

TURNSERVER = "/usr/bin/turnserver"


@pytest.fixture
def turn(tmp_path):
    if not os.path.exists(TURNSERVER):
        pytest.fail("coturn is not installed (scripts/setup-debian installs it)")
    port = free_port()
    log = tmp_path / "turn.log"
    proc = subprocess.Popen(
        [TURNSERVER, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}",
         "--relay-ip=127.0.0.1", "--allow-loopback-peers", "--lt-cred-mech",
         "--user=confab:relay-secret", "--realm=confab.test", "--no-tls", "--no-dtls",
         "--no-cli", "--no-software-attribute", f"--pidfile={tmp_path}/turn.pid",
         f"--log-file={log}", "--simple-log", "--verbose",
         "--min-port=49152", "--max-port=49300"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_until(lambda: log.exists() and "listener opened on" in log.read_text(errors="replace")
               or proc.poll() is not None, "turnserver listening")
    assert proc.poll() is None, log.read_text(errors="replace")
    yield port, log
    proc.terminate()
    proc.wait(timeout=GUARD_SECONDS)


def test_relayed_candidates_and_media(make_daemon, tmp_path, turn):
    port, log = turn
    secret = tmp_path / "turn-password"
    secret.write_text("relay-secret\n")
    extra = (f"[media]\nturn-server = 127.0.0.1:{port}\nturn-username = confab\n"
             f"turn-password-file = {secret}\n")
    alice = Peer(make_daemon, "alice", extra=extra)
    bob = Peer(make_daemon, "bob", extra=extra)
    a, b = establish(alice, bob)
    # Both allocated a relay with the configured credentials...
    wait_until(lambda: log.read_text(errors="replace").count("ALLOCATE processed, success") >= 2,
               "two TURN allocations")
    # ... and the call's media flows over ICE.
    wait_until(lambda: (bob.watch.get(b, "Stats") or {}).get("packets-received", 0) > 10,
               "media over ICE")
    assert bob.watch.get(b, "Stats")["transport"] == "ice"
    for d in (alice, bob):
        text = open(d.daemon.stderr_path).read()
        assert "relay-secret" not in text, "the TURN password must never be logged"
