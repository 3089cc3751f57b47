# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the interop suite: private buses and confabd instances (from
../integration/confab_harness.py) and real peers (interop_harness.py), each
started in the test's tmp_path and stopped when the test ends."""
import pytest

from interop_harness import Confab


@pytest.fixture
def make_confab(tmp_path):
    """make_confab(name, extra=..., account=...) -> a started Confab."""
    made = []

    def make(name, **kwargs):
        c = Confab(tmp_path, name, **kwargs)
        made.append(c)
        return c

    yield make
    codes = {c.name: c.close() for c in reversed(made)}
    # Every daemon must stop cleanly: a crash, a critical or a sanitizer
    # report during the test shows up here.
    bad = {k: v for k, v in codes.items() if v not in (0, None)}
    assert not bad, f"confabd did not exit cleanly: {bad}"


@pytest.fixture
def peers():
    """A list that a test appends the external programs it starts to; they
    are stopped when the test ends, whatever happened."""
    started = []
    yield started
    for p in reversed(started):
        p.stop()
