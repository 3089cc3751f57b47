# SPDX-License-Identifier: GPL-3.0-or-later
import pytest

from confab_harness import Bus, Daemon


@pytest.fixture
def bus(tmp_path):
    b = Bus(tmp_path / "bus")
    yield b
    b.close()


@pytest.fixture
def make_daemon(bus, tmp_path):
    """make_daemon(name, config=..., policy=..., args=...) -> Daemon (not started)."""
    daemons = []

    def make(name="a", **kwargs):
        d = Daemon(bus, tmp_path / name, **kwargs)
        daemons.append(d)
        return d

    yield make
    for d in daemons:
        d.stop()
