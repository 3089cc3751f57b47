# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the interop suite: private buses and confabd instances (from
../integration/confab_harness.py) and real peers (interop_harness.py), each
started in the test's tmp_path and stopped when the test ends."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from confab_harness import Bus, CallWatcher, Daemon, free_port, peer_config  # noqa: E402


class Confab:
    """A confabd on a private bus of its own, listening on 127.0.0.1:port over
    UDP and TCP, with a CallWatcher following its calls."""

    def __init__(self, tmp_path, name, extra="", account=None, transports=("udp", "tcp")):
        self.name = name
        self.port = free_port()
        self.bus = Bus(tmp_path / f"bus-{name}")
        config = peer_config(name, self.port, extra, transports)
        if account is not None:
            # Replace the [account] group that peer_config writes.
            rest = config.split("[sip]", 1)[1]
            config = f"[account]\n{account}[sip]{rest}"
        self.daemon = Daemon(self.bus, tmp_path / name, config=config)
        self.daemon.start()
        self.watch = CallWatcher(self.daemon)

    def uri(self, transport="udp"):
        base = f"sip:{self.name}@127.0.0.1:{self.port}"
        return base if transport == "udp" else f"{base};transport={transport}"

    def close(self):
        self.watch.close()
        self.daemon.stop()
        self.bus.close()


@pytest.fixture
def make_confab(tmp_path):
    """make_confab(name, extra=..., account=...) -> a started Confab."""
    made = []

    def make(name, **kwargs):
        c = Confab(tmp_path, name, **kwargs)
        made.append(c)
        return c

    yield make
    for c in reversed(made):
        c.close()


@pytest.fixture
def peers():
    """A list that a test appends the external programs it starts to; they
    are stopped when the test ends, whatever happened."""
    started = []
    yield started
    for p in reversed(started):
        p.stop()
