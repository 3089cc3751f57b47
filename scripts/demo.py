#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: runs confabd on this private bus with its own directories, and
shows what a user sees with confabctl. Run it through scripts/demo."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
os.environ["CONFAB_BUILD_DIR"] = build

from confab_harness import CONFABCTL, Bus, Daemon  # noqa: E402


class SessionBus(Bus):
    """The bus dbus-run-session made for us."""

    def __init__(self):
        import dbus
        self.address = os.environ["DBUS_SESSION_BUS_ADDRESS"]
        self.conn = dbus.bus.BusConnection(self.address)
        self.proc = None

    def close(self):
        pass


def ctl(daemon, *args):
    print(f"\n$ confabctl {' '.join(args)}", flush=True)
    subprocess.run([CONFABCTL, *args], env=daemon.env(), check=False)


def main():
    with tempfile.TemporaryDirectory(prefix="confab-demo-") as tmp:
        bus = SessionBus()
        alice = Daemon(bus, os.path.join(tmp, "alice"),
                       config="[account]\nuri = sip:alice@127.0.0.1:5070\n"
                              "display-name = Alice\n[sip]\nlisten = udp:127.0.0.1:5070\n")
        alice.start()
        print(f"confabd is running (pid {alice.proc.pid}) on a private session bus.")
        ctl(alice, "status")
        ctl(alice, "e2ee", "on")
        ctl(alice, "--json", "status")
        rc = alice.stop()
        print(f"\nconfabd stopped cleanly (exit status {rc}).")
        return rc


if __name__ == "__main__":
    sys.exit(main())
