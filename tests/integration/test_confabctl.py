# SPDX-License-Identifier: GPL-3.0-or-later
"""confabctl and the python example, as a user and a script use them."""
import json
import os
import subprocess

from confab_harness import CONFABCTL, SOURCE_DIR, wait_until


def test_status_text_and_json(make_daemon):
    d = make_daemon(config="[account]\nuri = sip:bob@127.0.0.1:5080\n").start()
    p = d.ctl("status", check=True)
    assert "End-to-end encryption:  off" in p.stdout
    assert "sip:bob@127.0.0.1:5080" in p.stdout
    assert "end-to-end encryption allowed" in p.stdout
    j = json.loads(d.ctl("--json", "status", check=True).stdout)
    assert j == {
        "version": str(d.get("Version")),
        "local_uri": "sip:bob@127.0.0.1:5080",
        "end_to_end_encryption": False,
        "end_to_end_allowed": True,
        "policy_reason": "",
        "compliance_recording": False,
    }


def test_e2ee_on_off(make_daemon):
    d = make_daemon().start()
    assert d.ctl("e2ee", check=True).stdout.strip() == "off"
    assert d.ctl("e2ee", "on", check=True).stdout.strip() == "on"
    assert bool(d.get("EndToEndEncryption")) is True
    assert json.loads(d.ctl("--json", "e2ee", check=True).stdout)["end_to_end_encryption"] is True
    assert d.ctl("e2ee", "off", check=True).stdout.strip() == "off"
    assert bool(d.get("EndToEndEncryption")) is False


def test_e2ee_under_admin_policy_says_why(make_daemon):
    d = make_daemon(policy="[policy]\nend-to-end-encryption = disabled\n").start()
    p = d.ctl("e2ee", "on", check=True)
    assert "disabled by the administrator" in p.stderr
    j = json.loads(d.ctl("--json", "status", check=True).stdout)
    assert j["end_to_end_allowed"] is False and j["policy_reason"] == "admin-disabled"


def test_exit_codes(make_daemon):
    d = make_daemon()  # not started
    p = d.ctl("status")
    assert p.returncode == 69
    assert "confabd is not running" in p.stderr
    assert d.ctl("e2ee", "on").returncode == 69
    assert d.ctl().returncode == 2
    assert d.ctl("frobnicate").returncode == 2
    assert d.ctl("e2ee", "sideways").returncode == 2
    assert d.ctl("status", "extra").returncode == 2
    h = d.ctl("--help")
    assert h.returncode == 0 and "monitor" in h.stdout and "69" in h.stdout


def test_monitor_prints_changes_as_they_happen(make_daemon):
    d = make_daemon().start()
    mon = subprocess.Popen([CONFABCTL, "--json", "monitor"], env=d.ctl_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        first = json.loads(mon.stdout.readline())
        assert first["event"] == "monitor" and first["name"] == "ready"
        d.ctl("e2ee", "on", check=True)
        event = json.loads(mon.stdout.readline())
        assert event["event"] == "property"
        assert event["name"] == "Manager.EndToEndEncryption" and event["value"] is True
        d.write_policy("[policy]\nend-to-end-encryption = disabled\n")
        seen = {}
        while "Manager.PolicyReason" not in seen or "Manager.EndToEndAllowed" not in seen:
            e = json.loads(mon.stdout.readline())
            seen[e["name"]] = e.get("value")
        assert seen["Manager.PolicyReason"] == "admin-disabled"
        assert seen["Manager.EndToEndAllowed"] is False
        d.stop()
        e = json.loads(mon.stdout.readline())
        assert e["event"] == "daemon" and e["name"] == "stopped"
    finally:
        mon.terminate()
        assert mon.wait(timeout=60) == 0


def test_python_example(make_daemon):
    d = make_daemon().start()
    script = os.path.join(SOURCE_DIR, "clients", "python", "confab-e2ee-toggle.py")
    run = lambda *a: subprocess.run(["/usr/bin/python3", script, *a], env=d.ctl_env(),
                                    capture_output=True, text=True, timeout=60)
    p = run()
    assert p.returncode == 0 and "end-to-end encryption: off" in p.stdout
    p = run("toggle")
    assert p.returncode == 0 and "end-to-end encryption: on" in p.stdout
    assert bool(d.get("EndToEndEncryption")) is True
    assert run("sideways").returncode == 2
