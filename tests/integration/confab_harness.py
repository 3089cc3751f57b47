# SPDX-License-Identifier: GPL-3.0-or-later
"""Test harness: private D-Bus buses and confabd instances started from the build tree.

Every daemon gets its own XDG directories below the test's tmp_path, and a
NOTIFY_SOCKET so the harness waits for sd_notify READY=1 instead of sleeping.
Waits are guarded so that a broken daemon fails the test instead of hanging
it; the guards are not time bounds on behaviour.
"""
import os
import select
import signal
import socket
import subprocess
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

BUILD_DIR = os.environ.get("CONFAB_BUILD_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE_DIR = os.environ.get("CONFAB_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
CONFABD = os.path.join(BUILD_DIR, "daemon", "confabd")
CONFABCTL = os.path.join(BUILD_DIR, "clients", "confabctl")

BUS_NAME = "org.confab.Confab1"
MANAGER_PATH = "/org/confab/Confab1"
MANAGER_IFACE = "org.confab.Confab1.Manager"
GUARD_SECONDS = 60  # hang guard, never an expectation

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


def wait_until(predicate, what, guard=GUARD_SECONDS, poll=0.005):
    """Iterates the GLib main context until predicate() is true; returns its value.
    poll: how long to doze when the context had nothing to dispatch (a predicate
    may also look at things outside it: files, other threads' output)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + guard
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        ctx.iteration(False) or time.sleep(poll)


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{dir}/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class Bus:
    """A private session bus (dbus-daemon) with no activatable services."""

    def __init__(self, directory):
        self.dir = str(directory)
        os.makedirs(os.path.join(self.dir, "services"), exist_ok=True)
        conf = os.path.join(self.dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG.format(dir=self.dir))
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--config-file", conf, "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.proc.stdout.readline().strip()
        assert self.address, "dbus-daemon printed no address"
        self.conn = dbus.bus.BusConnection(self.address)

    def env(self):
        return {"DBUS_SESSION_BUS_ADDRESS": self.address}

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass
        self.proc.terminate()
        self.proc.wait(timeout=GUARD_SECONDS)


class Daemon:
    """One confabd with its own XDG directories, on a given bus."""

    def __init__(self, bus, directory, config=None, policy=None, args=()):
        self.bus = bus
        self.dir = str(directory)
        self.config_home = os.path.join(self.dir, "config")
        self.state_home = os.path.join(self.dir, "state")
        self.data_home = os.path.join(self.dir, "data")
        self.runtime_dir = os.path.join(self.dir, "runtime")
        for d in (self.config_home, self.state_home, self.data_home, self.runtime_dir):
            os.makedirs(d, mode=0o700, exist_ok=True)
        self.config_path = os.path.join(self.config_home, "confab", "confab.conf")
        self.policy_path = os.path.join(self.dir, "policy.conf")
        # Unless a test says otherwise, SIP listens on free loopback ports, so
        # that many daemons run side by side.
        if config is None:
            config = ""
        if "[sip]" not in config:
            config += "\n[sip]\nlisten = udp:127.0.0.1:0, tcp:127.0.0.1:0\n"
        self.write_config(config)
        if policy is not None:
            self.write_policy(policy)
        self.args = list(args)
        self.proc = None
        self.stderr_path = os.path.join(self.dir, "confabd.stderr")
        self.notify_messages = []

    def write_config(self, text):
        os.makedirs(os.path.dirname(self.config_path), exist_ok=True)
        with open(self.config_path, "w") as f:
            f.write(text)

    def write_policy(self, text):
        # Atomic replace, as an administrator's tools do.
        tmp = self.policy_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.policy_path)

    def env(self):
        env = dict(os.environ)
        env.update(self.bus.env())
        env.update({
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_STATE_HOME": self.state_home,
            "XDG_DATA_HOME": self.data_home,
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "G_DEBUG": "fatal-criticals",
            "G_MESSAGES_DEBUG": "all",
        })
        return env

    def ctl_env(self):
        """The environment of a client of this daemon (without the daemon's debug logs)."""
        env = self.env()
        env.pop("G_MESSAGES_DEBUG", None)
        return env

    def command(self):
        return [CONFABD, "--policy", self.policy_path, "--show-personal-info"] + self.args

    def start(self, wait_ready=True):
        notify_path = os.path.join(self.runtime_dir, "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        self.notify_messages = []
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(notify_path)
        env = self.env()
        env["NOTIFY_SOCKET"] = notify_path
        self.stderr_file = open(self.stderr_path, "a")
        self.proc = subprocess.Popen(self.command(), env=env, stdout=self.stderr_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if wait_ready:
            self.wait_notify("READY=1")
        return self

    def read_notify(self, timeout):
        r, _, _ = select.select([self.notify], [], [], timeout)
        if r:
            msg = self.notify.recv(4096).decode()
            self.notify_messages.append(msg)
            return msg
        return None

    def wait_notify(self, what):
        deadline = time.monotonic() + GUARD_SECONDS
        while time.monotonic() < deadline:
            if any(what in m.split("\n") for m in self.notify_messages):
                return
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"confabd exited with {self.proc.returncode} before {what}:\n{self.stderr()}")
            self.read_notify(0.05)
        raise AssertionError(f"confabd never sent {what}:\n{self.stderr()}")

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=GUARD_SECONDS)
        while self.read_notify(0) is not None:
            pass
        self.stderr_file.close()
        self.notify.close()
        return rc

    def run_to_exit(self):
        """Runs confabd expecting it to exit by itself (bad configuration...)."""
        p = subprocess.run(self.command(), env=self.env(), capture_output=True, text=True,
                           timeout=GUARD_SECONDS, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout + p.stderr

    # D-Bus access

    def manager(self):
        return self.bus.conn.get_object(BUS_NAME, MANAGER_PATH)

    def props(self):
        return dbus.Interface(self.manager(), "org.freedesktop.DBus.Properties")

    def get(self, name, iface=MANAGER_IFACE):
        return self.props().Get(iface, name)

    def get_all(self, iface=MANAGER_IFACE):
        return self.props().GetAll(iface)

    def set(self, name, value, iface=MANAGER_IFACE):
        self.props().Set(iface, name, value)

    def ctl(self, *args, check=False):
        env = self.ctl_env()
        p = subprocess.run([CONFABCTL] + list(args), env=env, capture_output=True, text=True,
                           timeout=GUARD_SECONDS, stdin=subprocess.DEVNULL)
        if check:
            assert p.returncode == 0, f"confabctl {args} -> {p.returncode}: {p.stderr}"
        return p


class PropertyRecorder:
    """Records PropertiesChanged signals from the daemon."""

    def __init__(self, bus, path=MANAGER_PATH):
        self.changes = []
        self.match = bus.conn.add_signal_receiver(
            self._on_changed, signal_name="PropertiesChanged",
            dbus_interface="org.freedesktop.DBus.Properties", path=path)
        # A round trip through the bus daemon makes sure the match rule is installed.
        bus.conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus.Peer", "Ping", "", [])

    def _on_changed(self, iface, changed, invalidated):
        for k, v in changed.items():
            self.changes.append((str(iface), str(k), v))

    def seen(self, name, value=None):
        return any(k == name and (value is None or v == value) for _, k, v in self.changes)

    def wait(self, name, value=None):
        wait_until(lambda: self.seen(name, value), f"PropertiesChanged {name}={value}")

    def close(self):
        self.match.remove()


CALL_IFACE = "org.confab.Confab1.Call"
TLS_DIR = os.path.join(SOURCE_DIR, "tests", "data", "tls")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 right now, with the next one
    free for TCP too (peer_config puts TLS there)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
                try:
                    u.bind(("127.0.0.1", port))
                    tls.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port


def peer_config(name, port, extra="", transports=("udp", "tcp", "tls")):
    """confab.conf for a daemon listening on 127.0.0.1:port (and port+1 for TLS)."""
    listen = []
    for t in transports:
        listen.append(f"{t}:127.0.0.1:{port + 1 if t == 'tls' else port}")
    tls = ""
    if "tls" in transports:
        tls = (f"tls-certificate = {TLS_DIR}/server.pem\n"
               f"tls-key = {TLS_DIR}/server-key.pem\n")
    return (f"[account]\nuri = sip:{name}@127.0.0.1:{port}\ndisplay-name = {name.title()}\n"
            f"[sip]\nlisten = {', '.join(listen)}\n{tls}tls-ca = {TLS_DIR}/ca.pem\n" + extra)


class CallWatcher:
    """Follows a daemon's calls through signals only: InterfacesAdded,
    PropertiesChanged, IncomingCall, MessageReceived."""

    def __init__(self, daemon):
        self.daemon = daemon
        conn = daemon.bus.conn
        self.props = {}      # path -> {name: value}
        self.history = {}    # path -> [(name, value)...] in order
        self.incoming = []   # paths
        self.messages = []   # (path, text)
        self.removed = []
        self.matches = [
            conn.add_signal_receiver(self._on_added, signal_name="InterfacesAdded",
                                     dbus_interface="org.freedesktop.DBus.ObjectManager",
                                     bus_name=BUS_NAME),
            conn.add_signal_receiver(self._on_removed, signal_name="InterfacesRemoved",
                                     dbus_interface="org.freedesktop.DBus.ObjectManager",
                                     bus_name=BUS_NAME),
            conn.add_signal_receiver(self._on_changed, signal_name="PropertiesChanged",
                                     dbus_interface="org.freedesktop.DBus.Properties",
                                     bus_name=BUS_NAME, path_keyword="path"),
            conn.add_signal_receiver(self._on_incoming, signal_name="IncomingCall",
                                     dbus_interface=MANAGER_IFACE, bus_name=BUS_NAME),
            conn.add_signal_receiver(self._on_message, signal_name="MessageReceived",
                                     dbus_interface=CALL_IFACE, bus_name=BUS_NAME,
                                     path_keyword="path"),
        ]
        conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus.Peer", "Ping", "", [])

    def _on_added(self, path, interfaces):
        if CALL_IFACE in interfaces:
            self.props[str(path)] = dict(interfaces[CALL_IFACE])
            self.history[str(path)] = [("State", interfaces[CALL_IFACE]["State"])]

    def _on_removed(self, path, interfaces):
        self.removed.append(str(path))

    def _on_changed(self, iface, changed, invalidated, path=None):
        if iface != CALL_IFACE:
            return
        p = self.props.setdefault(str(path), {})
        for k, v in changed.items():
            p[str(k)] = v
            self.history.setdefault(str(path), []).append((str(k), v))

    def _on_incoming(self, path, uri):
        self.incoming.append(str(path))

    def _on_message(self, text, time, path=None):
        self.messages.append((str(path), str(text)))

    def get(self, path, name):
        return self.props.get(str(path), {}).get(name)

    def wait_prop(self, path, name, value):
        wait_until(lambda: self.get(path, name) == value,
                   f"{self.daemon.dir}: {path} {name} == {value!r} "
                   f"(now {self.get(path, name)!r})")

    def wait_state(self, path, state):
        self.wait_prop(path, "State", state)

    def states(self, path):
        return [v for k, v in self.history.get(str(path), []) if k == "State"]

    def wait_incoming(self):
        wait_until(lambda: self.incoming, f"{self.daemon.dir}: IncomingCall")
        return self.incoming.pop(0)

    def close(self):
        for m in self.matches:
            m.remove()


def call_iface(daemon, path):
    return dbus.Interface(daemon.bus.conn.get_object(BUS_NAME, path), CALL_IFACE)


def call_props(daemon, path):
    return dbus.Interface(daemon.bus.conn.get_object(BUS_NAME, path),
                          "org.freedesktop.DBus.Properties").GetAll(CALL_IFACE)


def manager_iface(daemon):
    return dbus.Interface(daemon.manager(), MANAGER_IFACE)


def dial(daemon, uri, **options):
    return str(manager_iface(daemon).Dial(uri, dbus.Dictionary(options, signature="sv")))


def call_async(method, *args):
    """Calls a D-Bus method without blocking the main loop; returns a dict
    that gets 'reply' or 'error' when it completes."""
    result = {}
    method(*args, reply_handler=lambda *r: result.setdefault("reply", r),
           error_handler=lambda e: result.setdefault("error", e))
    return result


def wait_reply(result, what):
    wait_until(lambda: result, what)
    if "error" in result:
        raise result["error"]
    return result["reply"]


class Peer:
    def __init__(self, make_daemon, name, extra="", transports=("udp", "tcp", "tls")):
        self.port = free_port()
        self.name = name
        self.daemon = make_daemon(name, own_bus=True,
                                  config=peer_config(name, self.port, extra, transports)).start()
        self.watch = CallWatcher(self.daemon)

    def uri(self, transport="udp"):
        if transport == "udp":
            return f"sip:{self.name}@127.0.0.1:{self.port}"
        if transport == "tcp":
            return f"sip:{self.name}@127.0.0.1:{self.port};transport=tcp"
        return f"sip:{self.name}@127.0.0.1:{self.port + 1};transport=tls"

    def call(self, path):
        return call_iface(self.daemon, path)

    def history(self):
        return manager_iface(self.daemon).GetHistory(dbus.UInt32(10))


def establish(alice, bob, transport="udp"):
    a = dial(alice.daemon, bob.uri(transport))
    b = bob.watch.wait_incoming()
    alice.watch.wait_state(a, "ringing")
    assert call_props(bob.daemon, b)["State"] == "incoming"
    bob.call(b).Answer(dbus.Dictionary({}, signature="sv"))
    alice.watch.wait_state(a, "active")
    bob.watch.wait_state(b, "active")
    return a, b


