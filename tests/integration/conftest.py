# SPDX-License-Identifier: GPL-3.0-or-later
import pytest

from confab_harness import Bus, Daemon, Peer


@pytest.fixture
def bus(tmp_path):
    b = Bus(tmp_path / "bus")
    yield b
    b.close()


@pytest.fixture
def make_daemon(bus, tmp_path):
    """make_daemon(name, own_bus=False, config=..., policy=..., args=...) -> Daemon (not
    started); with own_bus the daemon gets a private bus of its own, as two users'
    daemons on two machines would."""
    daemons = []

    buses = []

    def make(name="a", own_bus=False, **kwargs):
        b = bus
        if own_bus:
            b = Bus(tmp_path / f"bus-{name}")
            buses.append(b)
        d = Daemon(b, tmp_path / name, **kwargs)
        daemons.append(d)
        return d

    yield make
    codes = {d.dir: d.stop() for d in daemons}
    for b in buses:
        b.close()
    # Every daemon must stop cleanly: a crash, an assertion or a sanitizer
    # report during the test shows up here.
    bad = {k: v for k, v in codes.items() if v not in (0, None)}
    assert not bad, f"daemons did not exit cleanly: {bad}"


@pytest.fixture
def alice(make_daemon):
    return Peer(make_daemon, "alice")


@pytest.fixture
def bob(make_daemon):
    return Peer(make_daemon, "bob")


