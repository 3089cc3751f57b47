# SPDX-License-Identifier: GPL-3.0-or-later
"""The Manager over D-Bus: the E2EE setting (R1) and the administrator's policy (R2, R3)."""
import os
import signal
import subprocess

import dbus
import pytest

from confab_harness import (BUS_NAME, CONFABD, MANAGER_IFACE, MANAGER_PATH, PropertyRecorder)


def test_defaults_and_version(make_daemon):
    d = make_daemon(config="[account]\nuri = sip:alice@127.0.0.1\n").start()
    props = d.get_all()
    assert props["EndToEndEncryption"] is not None
    assert bool(props["EndToEndEncryption"]) is False
    assert bool(props["EndToEndAllowed"]) is True
    assert props["PolicyReason"] == ""
    assert bool(props["ComplianceRecording"]) is False
    assert props["LocalUri"] == "sip:alice@127.0.0.1"
    version = subprocess.run([CONFABD, "--version"], capture_output=True, text=True).stdout
    assert version.strip() == f"confabd {props['Version']}"


def test_api_is_introspectable(make_daemon, bus):
    d = make_daemon().start()
    xml = dbus.Interface(bus.conn.get_object(BUS_NAME, MANAGER_PATH),
                         "org.freedesktop.DBus.Introspectable").Introspect()
    assert 'interface name="org.confab.Confab1.Manager"' in xml
    assert 'interface name="org.freedesktop.DBus.ObjectManager"' in xml
    assert 'property type="b" name="EndToEndEncryption" access="readwrite"' in xml
    objects = dbus.Interface(d.manager(), "org.freedesktop.DBus.ObjectManager").GetManagedObjects()
    assert isinstance(objects, dict)


def test_sd_notify_ready_and_stopping(make_daemon):
    d = make_daemon().start()
    assert any("READY=1" in m for m in d.notify_messages)
    assert any("STATUS=" in m for m in d.notify_messages)
    assert d.stop() == 0
    assert any("STOPPING=1" in m for m in d.notify_messages)


def test_toggle_persists_across_restart(make_daemon, bus):
    d = make_daemon(config="# my settings\n[account]\nuri = sip:alice@127.0.0.1\n").start()
    rec = PropertyRecorder(bus)
    d.set("EndToEndEncryption", dbus.Boolean(True))
    rec.wait("EndToEndEncryption", True)
    assert bool(d.get("EndToEndEncryption")) is True
    with open(d.config_path) as f:
        text = f.read()
    assert "end-to-end-encryption=true" in text
    assert "# my settings" in text, "the rewrite must keep the user's comments"
    assert oct(os.stat(d.config_path).st_mode & 0o777) == "0o600"
    rec.close()
    assert d.stop() == 0

    d.start()
    assert bool(d.get("EndToEndEncryption")) is True
    d.set("EndToEndEncryption", dbus.Boolean(False))
    assert d.stop() == 0
    d.start()
    assert bool(d.get("EndToEndEncryption")) is False


def test_setting_with_wrong_type_is_refused(make_daemon):
    d = make_daemon().start()
    with pytest.raises(dbus.exceptions.DBusException) as e:
        d.set("EndToEndEncryption", dbus.String("yes"))
    assert "InvalidArgs" in e.value.get_dbus_name()
    with pytest.raises(dbus.exceptions.DBusException):
        d.set("EndToEndAllowed", dbus.Boolean(True))
    assert bool(d.get("EndToEndEncryption")) is False
    assert bool(d.get("EndToEndAllowed")) is True


@pytest.mark.parametrize("policy,allowed,reason,recording", [
    ("[policy]\nend-to-end-encryption = disabled\n", False, "admin-disabled", False),
    ("[policy]\nend-to-end-encryption = allowed\n", True, "", False),
    ("[policy]\ncompliance-recording = true\ncompliance-archive = /tmp/archive\n",
     False, "compliance-recording", True),
])
def test_policy_at_start(make_daemon, policy, allowed, reason, recording):
    d = make_daemon(policy=policy).start()
    assert bool(d.get("EndToEndAllowed")) is allowed
    assert d.get("PolicyReason") == reason
    assert bool(d.get("ComplianceRecording")) is recording


def test_user_cannot_override_admin(make_daemon):
    d = make_daemon(policy="[policy]\nend-to-end-encryption = disabled\n").start()
    d.set("EndToEndEncryption", dbus.Boolean(True))
    # The user's wish is kept, but the admin's policy still decides.
    assert bool(d.get("EndToEndEncryption")) is True
    assert bool(d.get("EndToEndAllowed")) is False
    assert d.get("PolicyReason") == "admin-disabled"


def test_policy_change_seen_live(make_daemon, bus):
    d = make_daemon().start()
    rec = PropertyRecorder(bus)
    d.write_policy("[policy]\nend-to-end-encryption = disabled\n")
    rec.wait("EndToEndAllowed", False)
    rec.wait("PolicyReason", "admin-disabled")
    assert d.get("PolicyReason") == "admin-disabled"

    d.write_policy("[policy]\ncompliance-recording = true\n")
    rec.wait("ComplianceRecording", True)
    rec.wait("PolicyReason", "compliance-recording")

    # A malformed file leaves the previous policy in force.
    d.write_policy("[policy]\nend-to-end-encryption = perhaps\n")
    os.kill(d.proc.pid, signal.SIGHUP)  # also reload explicitly: both paths must hold
    d.wait_notify("READY=1")
    assert d.get("PolicyReason") == "compliance-recording"

    # Removing the file: no administrator, allowed again.
    os.unlink(d.policy_path)
    rec.wait("EndToEndAllowed", True)
    assert d.get("PolicyReason") == ""
    assert bool(d.get("ComplianceRecording")) is False
    rec.close()


def test_sighup_reloads_policy(make_daemon, bus):
    d = make_daemon(policy="[policy]\nend-to-end-encryption = allowed\n").start()
    rec = PropertyRecorder(bus)
    with open(d.policy_path, "w") as f:
        f.write("[policy]\nend-to-end-encryption = disabled\n")
    os.kill(d.proc.pid, signal.SIGHUP)
    rec.wait("EndToEndAllowed", False)
    rec.close()


@pytest.mark.parametrize("config,message", [
    ("[privacy]\nend-to-end-encryption = maybe\n",
     "[privacy] end-to-end-encryption: 'maybe' is not a boolean"),
    ("[sip]\nlisten = carrier-pigeon:1.2.3.4:5060\n", "unknown transport"),
    ("[account]\nuri = alice\n", "not a SIP URI"),
    ("this is not a key file\n", "not a valid key file"),
])
def test_malformed_config_refused(make_daemon, config, message):
    d = make_daemon(config=config)
    rc, out = d.run_to_exit()
    assert rc == 78
    assert "bad configuration" in out
    assert message in out
    assert d.config_path in out


def test_malformed_policy_refused(make_daemon):
    d = make_daemon(policy="[policy]\ncompliance-recording = sometimes\n")
    rc, out = d.run_to_exit()
    assert rc == 78
    assert "bad policy" in out and "compliance-recording" in out


def test_unknown_keys_are_warned_about(make_daemon):
    d = make_daemon(config="[account]\nfavourite-colour = blue\n").start()
    d.wait_notify("READY=1")
    assert "unknown key 'favourite-colour' in [account]" in d.stderr()


def test_second_instance_on_same_bus_fails(make_daemon):
    make_daemon("first").start()
    second = make_daemon("second")
    rc, out = second.run_to_exit()
    assert rc == 1
    assert "is another confabd running" in out


def test_usage_errors(make_daemon):
    p = subprocess.run([CONFABD, "--no-such-option"], capture_output=True, text=True)
    assert p.returncode == 2 and "Try 'confabd --help'" in p.stderr
    p = subprocess.run([CONFABD, "--help"], capture_output=True, text=True)
    assert p.returncode == 0
    for word in ("--system", "--config", "--policy", "--verbose", "--version", "SIGHUP",
                 "XDG_CONFIG_HOME", "Exit status"):
        assert word in p.stdout


def test_no_bus_is_a_clear_error(tmp_path):
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path}/nothing",
               XDG_CONFIG_HOME=str(tmp_path))
    p = subprocess.run([CONFABD, "--policy", str(tmp_path / "none")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "cannot connect to the session bus" in p.stderr
