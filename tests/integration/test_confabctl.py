# SPDX-License-Identifier: GPL-3.0-or-later
"""confabctl and the python example, as a user and a script use them."""
import json
import os
import subprocess

from confab_harness import CONFABCTL, SOURCE_DIR, call_props, wait_until


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


def call_number(path):
    return str(path).rsplit("/", 1)[1]


def test_code_verify_show_in_a_standard_call(alice, bob):
    """No end-to-end encryption (alice has it off, bob on): code and verify
    refuse, and show says why in words, on each side from its point of view."""
    from confab_harness import establish
    bob.daemon.ctl("e2ee", "on", check=True)
    a, b = establish(alice, bob)
    alice.watch.wait_prop(a, "EndToEndReason", "local-disabled")
    bob.watch.wait_prop(b, "EndToEndReason", "remote-disabled")
    na, nb = call_number(a), call_number(b)

    p = alice.daemon.ctl("code", na)
    assert p.returncode == 1 and p.stdout == ""
    assert f"call {na} is not end-to-end encrypted: it is turned off here" in p.stderr
    p = bob.daemon.ctl("code", nb)
    assert p.returncode == 1 and p.stdout == ""
    assert f"call {nb} is not end-to-end encrypted: the other side has not turned it on" \
        in p.stderr
    assert bob.daemon.ctl("--json", "code", b).returncode == 1  # the path names it too

    for args in (("verify", na), ("verify", na, "--unset")):
        p = alice.daemon.ctl(*args)
        assert p.returncode == 1, args
        assert "org.confab.Confab1.Error.WrongState" in p.stderr, args
    assert bool(call_props(alice.daemon, a)["Verified"]) is False

    shown = alice.daemon.ctl("show", na, check=True).stdout
    assert "End-to-end:   no: it is turned off here" in shown
    assert "Encryption:   end-to-end" not in shown and "Code:" not in shown
    shown = bob.daemon.ctl("show", nb, check=True).stdout
    assert "End-to-end:   no: the other side has not turned it on" in shown
    j = json.loads(bob.daemon.ctl("--json", "show", nb, check=True).stdout)
    assert j["end_to_end_reason"] == "remote-disabled"
    assert j["encryption"] != "end-to-end"
    assert (j["security_code"], j["sas"], j["verified"], j["key_continuity"]) == ("", "", False, "")


def test_code_and_verify_usage(make_daemon):
    d = make_daemon().start()
    assert d.ctl("code", "1", "2").returncode == 2
    assert d.ctl("verify", "1", "2").returncode == 2
    p = d.ctl("show", "--unset")
    assert p.returncode == 2 and "--unset" in p.stderr
    p = d.ctl("code", "7")
    assert p.returncode == 1 and "no call 7" in p.stderr
    h = d.ctl("--help", check=True).stdout
    assert "code [CALL]" in h and "verify [CALL] [--unset]" in h


def test_code_show_verify_monitor_in_an_end_to_end_call(make_daemon):
    """Both have end-to-end encryption on: both sides' confabctl print the same
    code, monitor announces it, and verify marks the peer (and unmarks it)."""
    import re
    from confab_harness import Peer, establish
    on = "[privacy]\nend-to-end-encryption = true\n"
    alice, bob = Peer(make_daemon, "alice", extra=on), Peer(make_daemon, "bob", extra=on)
    mon = subprocess.Popen([CONFABCTL, "--json", "monitor"], env=alice.daemon.ctl_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert json.loads(mon.stdout.readline())["name"] == "ready"
        a, b = establish(alice, bob)
        alice.watch.wait_prop(a, "Encryption", "end-to-end")
        bob.watch.wait_prop(b, "Encryption", "end-to-end")
        na, nb = call_number(a), call_number(b)

        code_a = alice.daemon.ctl("code", na, check=True).stdout
        code_b = bob.daemon.ctl("code", nb, check=True).stdout
        assert code_a == code_b
        code = call_props(alice.daemon, a)["SecurityCode"]
        assert re.fullmatch(r"\d{5} \d{5} \d{5} \d{5}", str(code))
        assert f"Security code: {code}\n" in code_a
        assert f"SAS:           {call_props(alice.daemon, a)['Sas']}\n" in code_a

        while True:
            e = json.loads(mon.stdout.readline())
            if e["event"] == "end-to-end":
                break
        assert e["path"] == a and e["value"] == code

        shown = alice.daemon.ctl("show", na, check=True).stdout
        assert "Encryption:   end-to-end " in shown and f"Code:         {code}\n" in shown
        assert "Keys:         new " in shown and "Verified:     no" in shown
        assert "End-to-end:" not in shown
        j = json.loads(bob.daemon.ctl("--json", "show", nb, check=True).stdout)
        assert (j["encryption"], j["end_to_end_reason"], j["security_code"]) == \
            ("end-to-end", "", code)
        assert j["key_continuity"] == "new" and j["verified"] is False

        alice.daemon.ctl("verify", na, check=True)
        alice.watch.wait_prop(a, "Verified", True)
        assert "Verified:     yes" in alice.daemon.ctl("show", na, check=True).stdout
        assert json.loads(alice.daemon.ctl("--json", "code", check=True).stdout)["verified"]
        alice.daemon.ctl("verify", na, "--unset", check=True)
        alice.watch.wait_prop(a, "Verified", False)
        assert bool(call_props(bob.daemon, b)["Verified"]) is False  # only the side that said so
    finally:
        mon.terminate()
        mon.wait(timeout=60)
