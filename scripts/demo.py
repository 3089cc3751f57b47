#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: two confabd daemons, Alice's and Bob's, each on its own private
D-Bus bus with its own directories, call each other over SIP on loopback.
Everything is driven with confabctl, as a user would. Run it through
scripts/demo."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
os.environ["CONFAB_BUILD_DIR"] = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")

from confab_harness import CONFABCTL, Bus, Daemon, Peer, wait_until  # noqa: E402


def ctl(peer, *args):
    print(f"\n[{peer.name}]$ confabctl {' '.join(args)}", flush=True)
    p = subprocess.run([CONFABCTL, *args], env=peer.daemon.ctl_env(), capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise SystemExit(f"confabctl {args[0]} failed ({p.returncode})")
    return p.stdout.strip()


def main():
    with tempfile.TemporaryDirectory(prefix="confab-demo-") as tmp:
        buses, daemons = [], []

        def make_daemon(name, own_bus, config):
            bus = Bus(os.path.join(tmp, f"bus-{name}"))
            buses.append(bus)
            d = Daemon(bus, os.path.join(tmp, name), config=config)
            daemons.append(d)
            return d

        try:
            alice = Peer(make_daemon, "alice")
            bob = Peer(make_daemon, "bob")
            print(f"Alice's confabd: pid {alice.daemon.proc.pid}, SIP on 127.0.0.1:{alice.port}")
            print(f"Bob's confabd:   pid {bob.daemon.proc.pid}, SIP on 127.0.0.1:{bob.port}")
            print("(each on its own private D-Bus bus)")
            ctl(alice, "status")

            number = ctl(alice, "call", bob.uri("tcp"))
            a = f"/org/confab/Confab1/Call/{number}"
            b = bob.watch.wait_incoming()
            alice.watch.wait_state(a, "ringing")
            ctl(alice, "calls")
            ctl(bob, "calls")

            ctl(bob, "answer")
            alice.watch.wait_state(a, "active")
            bob.watch.wait_state(b, "active")
            ctl(alice, "show")
            ctl(bob, "show")

            ctl(alice, "chat", number, "Hello Bob! (chat goes by SIP MESSAGE in the call)")
            wait_until(lambda: bob.watch.messages, "Bob receives the chat message")
            print(f"\nBob received: {bob.watch.messages[0][1]!r}")

            ctl(alice, "hold")
            bob.watch.wait_prop(b, "RemoteHeld", True)
            ctl(bob, "show")
            ctl(alice, "resume")
            bob.watch.wait_prop(b, "RemoteHeld", False)

            ctl(bob, "hangup")
            alice.watch.wait_state(a, "ended")
            ctl(alice, "show", number)
            ctl(bob, "history")
            print("\nNote: media (audio through PipeWire, SRTP) and the end-to-end security "
                  "codes come with the next issues.")
        finally:
            for d in daemons:
                d.stop()
            for bus in buses:
                bus.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
