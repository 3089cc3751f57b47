# SPDX-License-Identifier: GPL-3.0-or-later
"""Interop harness: real SIP peers that nobody here wrote (sipp, baresip,
kamailio, linphonec), started on 127.0.0.1 with free ports in a test's
temporary directory, next to confabd instances from ../integration.

Nothing here sleeps to synchronise: it waits for process output lines, for
sockets to be bound, for control-protocol events and for D-Bus signals, while
iterating the GLib main context so that the CallWatcher keeps receiving
signals. Every wait is guarded so that a broken peer fails a test instead of
hanging it; the guards are never expectations about speed.
"""
import contextlib
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import confab_harness  # noqa: E402
from confab_harness import (GUARD_SECONDS, Bus, CallWatcher, Daemon,  # noqa: E402
                            PropertyRecorder, free_port, peer_config, wait_until)


def require(program):
    """The absolute path of a program that the interop suite needs. The suite
    fails (it does not skip) when a peer is missing: scripts/setup-debian
    installs them."""
    path = shutil.which(program) or next(
        (p for p in (f"/usr/sbin/{program}", f"/usr/bin/{program}") if os.access(p, os.X_OK)),
        None)
    assert path, f"{program} is not installed (run scripts/setup-debian)"
    return path


# ---- confabd ----

class Confab:
    """A confabd on a private bus of its own, listening on 127.0.0.1:port over
    UDP and TCP, with a CallWatcher following its calls."""

    def __init__(self, tmp_path, name, extra="", account=None, transports=("udp", "tcp"),
                 plain_rtp=True):
        """plain_rtp: whether [media] allow-plain-rtp is on (the peers of this
        suite are set up without SRTP); off, confabd insists on SRTP."""
        self.name = name
        self.port = free_port()
        self.bus = Bus(tmp_path / f"bus-{name}")
        config = peer_config(name, self.port, extra, transports)
        if account is not None:
            # Replace the [account] group that peer_config writes.
            rest = config.split("[sip]", 1)[1]
            config = f"[account]\n{account}[sip]{rest}"
        # These peers are set up without SRTP (their recipes), so plain RTP
        # must be acceptable; SRTP interop is tested on its own.
        if plain_rtp:
            config += "\n[media]\nallow-plain-rtp = true\n"
        self.daemon = Daemon(self.bus, tmp_path / name, config=config)
        self.closed = False
        try:
            self.daemon.start()
        except BaseException:
            self.daemon.stop()
            self.bus.close()
            raise
        self.watch = CallWatcher(self.daemon)

    def uri(self, transport="udp"):
        base = f"sip:{self.name}@127.0.0.1:{self.port}"
        return base if transport == "udp" else f"{base};transport={transport}"

    def wait_manager_prop(self, name, value, *procs):
        """Waits for a Manager property to have a value: a PropertyRecorder
        is listening before the current value is read, so no change is missed."""
        recorder = PropertyRecorder(self.bus)
        try:
            if self.daemon.get(name) == value:
                return

            def reached():
                for p in procs:
                    p.check_running()
                return recorder.seen(name, value)
            wait_until(reached, f"{self.name}: Manager.{name} == {value!r}")
        finally:
            recorder.close()

    def close(self):
        """Stops the daemon (once); returns its exit status."""
        if self.closed:
            return self.rc
        self.closed = True
        self.watch.close()
        self.rc = self.daemon.stop()
        self.bus.close()
        return self.rc


# ---- sockets ----

def _proc_net_ports(kind):
    """Local ports bound (UDP) or listening (TCP) according to /proc/net."""
    ports = set()
    for suffix in ("", "6"):
        try:
            with open(f"/proc/net/{kind}{suffix}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state = fields[1], fields[3]
                    if kind == "tcp" and state != "0A":  # TCP_LISTEN
                        continue
                    ports.add(int(local.rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            pass
    return ports


def wait_bound(port, kind="udp", proc=None):
    """Waits until something listens on a local UDP or TCP port (a peer that
    binds its sockets before it serves them is then ready to receive)."""
    def ready():
        if proc is not None:
            proc.check_running()
        return port in _proc_net_ports(kind)
    wait_until(ready, f"{kind} port {port} bound" + (f" by {proc.name}" if proc else ""))


def wait_incoming(watch, *procs):
    """CallWatcher.wait_incoming, failing at once if a peer process dies."""
    def seen():
        for p in procs:
            p.check_running()
        return bool(watch.incoming)
    wait_until(seen, f"{watch.daemon.dir}: IncomingCall")
    return watch.incoming.pop(0)


def wait_state(watch, path, state, *procs):
    """CallWatcher.wait_state, failing at once if a peer process dies."""
    def reached():
        for p in procs:
            p.check_running()
        return watch.get(path, "State") == state
    wait_until(reached, f"{watch.daemon.dir}: {path} State == {state!r} "
               f"(now {watch.get(path, 'State')!r})")


def free_udp_ports(count):
    """The first of count consecutive UDP ports free on 127.0.0.1 right now
    (sipp binds its media port and the three after it)."""
    while True:
        socks = []
        try:
            first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(first)
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            if base + count > 65536:
                continue
            for port in range(base + 1, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()


# ---- processes ----

class Proc:
    """An external program; a thread collects its merged stdout/stderr
    lines (also written to a log file in the test's directory)."""

    def __init__(self, name, argv, cwd, env=None, stdin=subprocess.DEVNULL):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = os.path.join(str(cwd), f"{name}.log")
        self.lines = []
        self._lock = threading.Lock()
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.argv, cwd=str(cwd), env=env, stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace", start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
            self._log.write(line)
            self._log.flush()

    def output(self):
        with self._lock:
            return "\n".join(self.lines)

    def check_running(self):
        if self.proc.poll() is not None:
            self._reader.join(GUARD_SECONDS)
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n"
                                 f"{self.tail()}")

    def tail(self, n=60):
        with self._lock:
            return "\n".join(self.lines[-n:])

    def find(self, pattern, start=0):
        """The first match of a regular expression in lines[start:], or None."""
        rx = re.compile(pattern)
        with self._lock:
            lines = self.lines[start:]
        for line in lines:
            m = rx.search(line)
            if m:
                return m
        return None

    def mark(self):
        """A position in the output, to wait for lines printed after it."""
        with self._lock:
            return len(self.lines)

    def wait_line(self, pattern, start=0):
        """Waits for a line matching pattern (printed at or after mark start)."""
        found = []

        def seen():
            m = self.find(pattern, start)
            if m:
                found.append(m)
                return True
            self.check_running()
            return False
        wait_until(seen, f"{self.name} printing /{pattern}/")
        return found[0]

    def wait_exit(self):
        """Waits (iterating the main loop) for the program to exit by itself."""
        wait_until(lambda: self.proc.poll() is not None, f"{self.name} to exit")
        self._reader.join(GUARD_SECONDS)
        return self.proc.returncode

    @contextlib.contextmanager
    def stopped_on_error(self):
        """For a constructor: if getting the program ready fails, stop it
        (no test holds it yet) and let the error through."""
        try:
            yield
        except BaseException:
            self.stop()
            raise

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=GUARD_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=GUARD_SECONDS)
        self._reader.join(GUARD_SECONDS)
        self._log.close()
        return self.proc.returncode


# ---- sipp ----

SIPP_SCENARIOS = os.path.join(HERE, "sipp")


class Sipp(Proc):
    """One sipp run. scenario is a built-in name ('uac', 'uas') or the
    file name of an XML scenario in tests/interop/sipp/. Its statistics,
    message trace and errors go to files in directory."""

    def __init__(self, directory, scenario, remote=None, calls=1, transport="u1",
                 service="confab", extra=()):
        self.dir = str(directory)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.stat_path = os.path.join(self.dir, "stats.csv")
        self.trace_path = os.path.join(self.dir, "messages.log")
        self.error_path = os.path.join(self.dir, "errors.log")
        argv = [require("sipp")]
        if scenario.endswith(".xml"):
            argv += ["-sf", os.path.join(SIPP_SCENARIOS, scenario)]
        else:
            argv += ["-sn", scenario]
        if remote:
            argv.append(remote)
        argv += ["-i", "127.0.0.1", "-p", self.port, "-t", transport, "-s", service,
                 "-m", calls, "-nostdin",
                 # Control and media ports of its own, so that runs never collide.
                 "-cp", free_port(), "-mp", free_udp_ports(4),
                 "-trace_stat", "-stf", self.stat_path, "-fd", "1",
                 "-trace_msg", "-message_file", self.trace_path,
                 "-trace_err", "-error_file", self.error_path]
        argv += list(extra)
        super().__init__("sipp", argv, self.dir)

    def wait_ready(self):
        """sipp binds its SIP socket before it runs the scenario."""
        wait_bound(self.port, "tcp" if self.argv[self.argv.index("-t") + 1].startswith("t")
                   else "udp", proc=self)

    def stats(self):
        """The last line of sipp's statistics file, as a dict of counters."""
        with open(self.stat_path) as f:
            rows = list(csv.reader(f, delimiter=";"))
        assert len(rows) >= 2, f"sipp wrote no statistics: {rows}"
        return dict(zip(rows[0], rows[-1]))

    def trace(self):
        try:
            with open(self.trace_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def errors(self):
        try:
            with open(self.error_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def report(self):
        return (f"sipp exit {self.proc.returncode}\n--- errors\n{self.errors()}\n"
                f"--- output\n{self.tail(40)}\n--- messages\n{self.trace()[-6000:]}")

    def messages(self, direction=None):
        """SIP start lines sipp sent ('sent') or received ('received'), in order."""
        out = []
        blocks = re.split(r"^-{20,} .*$", self.trace(), flags=re.M)
        for b in blocks:
            m = re.search(r"message (sent|received).*?:\s*\n\s*\n?(\S.*)", b)
            if m and (direction is None or m.group(1) == direction):
                out.append((m.group(1), m.group(2).strip()))
        return out


# ---- baresip ----

BARESIP_CONFIG = """\
poll_method\t\tepoll
sip_listen\t\t127.0.0.1:{sip_port}
call_local_timeout\t120
call_max_calls\t\t4
# No sound card and no PipeWire here: the player is an aubridge device with no
# source on the other end, so it never runs; the source is by default a 48 kHz
# stereo sine (what Opus needs). Audio filters such as sndfile still see what
# is decoded (test_baresip_srtp.py).
audio_player\t\taubridge,nowhere
audio_alert\t\taubridge,nowhere
audio_source\t\t{audio_source}
audio_level\t\tno
ausrc_format\t\ts16
auplay_format\t\ts16
rtp_ports\t\t{rtp_low}-{rtp_high}
rtcp_mux\t\tno
jitter_buffer_delay\t5-10
module_path\t\t{module_path}
module\t\t\topus.so
module\t\t\tg711.so
module\t\t\taubridge.so
module\t\t\tausine.so
{more_modules}module_tmp\t\tuuid.so
module_tmp\t\taccount.so
module_app\t\tcontact.so
module_app\t\tmenu.so
module_app\t\tctrl_tcp.so
ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}
snd_path\t\t{dir}/snd
net_interface\t\t127.0.0.1
"""


class Baresip(Proc):
    """baresip with one account <sip:user@127.0.0.1:port>, plain RTP (no
    mediaenc: confabd offers RTP/AVP), driven through ctrl_tcp."""

    MODULE_PATH = "/usr/lib/baresip/modules"

    def __init__(self, directory, user="bob", account_params="answermode=manual", aor_host=None,
                 audio_source="ausine,440", modules=()):
        """aor_host: the host[:port] of the account's address of record (its
        registrar, with regint > 0 in account_params); by default baresip's
        own address, with no registration (regint=0).
        audio_source: baresip's audio_source line (module,device).
        modules: more modules to load, e.g. ("srtp.so", "aufile.so",
        "sndfile.so") for SDES-SRTP, a WAV source and dumps of the call's
        audio (see dumps())."""
        self.dir = str(directory)
        os.makedirs(os.path.join(self.dir, "snd"), exist_ok=True)
        self.user = user
        self.sip_port = free_port()
        self.ctrl_port = free_port()
        rtp_low = free_udp_ports(10)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(BARESIP_CONFIG.format(sip_port=self.sip_port, ctrl_port=self.ctrl_port,
                                          rtp_low=rtp_low, rtp_high=rtp_low + 9,
                                          module_path=self.MODULE_PATH, dir=self.dir,
                                          audio_source=audio_source,
                                          more_modules="".join(f"module\t\t\t{m}\n"
                                                               for m in modules)))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            if aor_host is None:
                f.write(f"<sip:{user}@127.0.0.1:{self.sip_port}>;regint=0;{account_params}\n")
            else:
                f.write(f"<sip:{user}@{aor_host}>;{account_params}\n")
        open(os.path.join(self.dir, "contacts"), "w").close()
        # -s traces SIP messages into the output: the test reads the flow there.
        super().__init__("baresip", [require("baresip"), "-f", self.dir, "-s", "-v"], self.dir,
                         stdin=subprocess.DEVNULL)
        self.ctrl = None
        with self.stopped_on_error():
            wait_bound(self.sip_port, "udp", proc=self)
            wait_bound(self.sip_port, "tcp", proc=self)
            wait_bound(self.ctrl_port, "tcp", proc=self)
            self.ctrl = CtrlTcp(self.ctrl_port)
            # A round trip: baresip has taken the connection (and will send
            # it events) before anything happens (seen lost under load).
            self.ctrl.command("listcalls", proc=self)

    def uri(self, transport="udp"):
        base = f"sip:{self.user}@127.0.0.1:{self.sip_port}"
        return base if transport == "udp" else f"{base};transport={transport}"

    def sip_trace(self):
        """The SIP messages that baresip's -s option traced, in order: a list of
        (transport, source, destination, message text)."""
        # Each traced message: ESC[36;1m#, a line "UDP src -> dst", the
        # message, ESC[;m.
        rx = re.compile(r"\x1b\[36;1m#\n(UDP|TCP|TLS) (\S+) -> (\S+)\n(.*?)\x1b\[;m", re.S)
        return [(m.group(1), m.group(2), m.group(3), m.group(4).strip())
                for m in rx.finditer(self.output())]

    def received(self, peer_port):
        """The SIP messages baresip received from the peer listening on
        127.0.0.1:peer_port. Over TCP one end of a connection is an ephemeral
        port: a message is baresip's when it goes to baresip's listening port
        or comes from the peer's."""
        mine = f"127.0.0.1:{self.sip_port}"
        theirs = f"127.0.0.1:{peer_port}"
        return [m for t, s, d, m in self.sip_trace() if d == mine or s == theirs]

    def sent(self, peer_port):
        """The SIP messages baresip sent to the peer on 127.0.0.1:peer_port."""
        mine = f"127.0.0.1:{self.sip_port}"
        theirs = f"127.0.0.1:{peer_port}"
        return [m for t, s, d, m in self.sip_trace() if d == theirs or s == mine]

    def wait_received(self, peer_port, prefix, count=1):
        """Waits until baresip's trace shows count messages starting with
        prefix received from the peer (baresip's output is read by a thread:
        what it traced may arrive after the peer saw its effect)."""
        found = []

        def seen():
            found[:] = [m for m in self.received(peer_port) if m.startswith(prefix)]
            self.check_running()
            return len(found) >= count
        wait_until(seen, f"baresip tracing {count} x {prefix!r} received")
        return found

    def wait_sent(self, peer_port, prefix, count=1):
        """As wait_received, for messages baresip sent to the peer."""
        found = []

        def seen():
            found[:] = [m for m in self.sent(peer_port) if m.startswith(prefix)]
            self.check_running()
            return len(found) >= count
        wait_until(seen, f"baresip tracing {count} x {prefix!r} sent")
        return found

    def dumps(self, kind):
        """With the sndfile module: the WAV files in snd_path of the audio
        baresip decoded from the network ('dec') or encoded for it ('enc'),
        one per call (named dump-<local time>-<kind>.wav by baresip 1.0; a
        file is complete once its call is closed), oldest first."""
        snd = os.path.join(self.dir, "snd")
        return sorted(os.path.join(snd, f) for f in os.listdir(snd)
                      if f.startswith("dump-") and f.endswith(f"-{kind}.wav"))

    def command(self, command, params=None):
        return self.ctrl.command(command, params, proc=self)

    def wait_event(self, type_, start=0):
        return self.ctrl.wait_event(type_, start, proc=self)

    def stop(self, sig=signal.SIGTERM):
        if self.ctrl is not None:
            self.ctrl.close()
            self.ctrl = None
        return super().stop(sig)


class CtrlTcp:
    """A client of baresip's ctrl_tcp module: netstring-framed JSON commands,
    responses and events."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS)
        self.sock.settimeout(None)
        self.messages = []
        self._lock = threading.Lock()
        self._token = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                length = int(buf[:colon])
                if len(buf) < colon + 1 + length + 1:
                    break
                payload = buf[colon + 1:colon + 1 + length]
                buf = buf[colon + 2 + length:]  # the trailing ','
                with self._lock:
                    self.messages.append(json.loads(payload))

    def send(self, obj):
        payload = json.dumps(obj).encode()
        self.sock.sendall(str(len(payload)).encode() + b":" + payload + b",")

    def _find(self, pred, start):
        with self._lock:
            for m in self.messages[start:]:
                if pred(m):
                    return m
        return None

    def mark(self):
        with self._lock:
            return len(self.messages)

    def command(self, command, params=None, proc=None):
        """Sends a command and waits for its response (a dict with 'ok', 'data')."""
        self._token += 1
        token = str(self._token)
        msg = {"command": command, "token": token}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        found = []

        def answered():
            m = self._find(lambda m: m.get("response") and m.get("token") == token, 0)
            if m:
                found.append(m)
                return True
            if proc is not None:
                proc.check_running()
            return False
        wait_until(answered, f"baresip's response to {command}")
        return found[0]

    def events(self, type_=None, start=0):
        with self._lock:
            return [m for m in self.messages[start:]
                    if m.get("event") and (type_ is None or m.get("type") == type_)]

    def wait_event(self, type_, start=0, proc=None):
        found = []

        def seen():
            m = self._find(lambda m: m.get("event") and m.get("type") == type_, start)
            if m:
                found.append(m)
                return True
            if proc is not None:
                proc.check_running()
            return False
        wait_until(seen, f"baresip event {type_} (got {[e.get('type') for e in self.events()]})")
        return found[0]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(GUARD_SECONDS)


# ---- kamailio ----

class Kamailio(Proc):
    """kamailio as registrar and record-routing proxy, from kamailio.cfg.in,
    in the foreground, logging to stderr (our output lines)."""

    MODULE_PATH = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

    def __init__(self, directory, expires=3600, auth=None):
        """auth: None, or (realm, algorithm, {user: password}) to challenge REGISTER."""
        self.dir = str(directory)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        with open(os.path.join(HERE, "kamailio.cfg.in")) as f:
            cfg = f.read()
        users = auth[2] if auth else {}
        passwords = "\n".join(
            f'\tif ($var(user) == "{u}") {{ $var(password) = "{p}"; }}' for u, p in users.items())
        subs = {
            "@PORT@": str(self.port),
            "@MODULE_PATH@": self._module_path(),
            "@MAX_EXPIRES@": str(expires),
            "@DEFINES@": "#!define WITH_AUTH" if auth else "",
            "@REALM@": auth[0] if auth else "",
            "@ALGORITHM@": auth[1] if auth else "MD5",
            "@PASSWORDS@": passwords,
        }
        for k, v in subs.items():
            cfg = cfg.replace(k, v)
        self.cfg_path = os.path.join(self.dir, "kamailio.cfg")
        with open(self.cfg_path, "w") as f:
            f.write(cfg)
        kamailio = require("kamailio")
        check = subprocess.run([kamailio, "-c", "-f", self.cfg_path], capture_output=True,
                               text=True, timeout=GUARD_SECONDS)
        assert check.returncode == 0, f"kamailio.cfg does not parse:\n{check.stderr[-3000:]}"
        run_dir = os.path.join(self.dir, "run")
        os.makedirs(run_dir, exist_ok=True)
        super().__init__("kamailio", [kamailio, "-DD", "-E", "-f", self.cfg_path,
                                      "-P", os.path.join(run_dir, "kamailio.pid"),
                                      "-Y", run_dir], self.dir)
        with self.stopped_on_error():
            wait_bound(self.port, "udp", proc=self)
            wait_bound(self.port, "tcp", proc=self)

    @classmethod
    def _module_path(cls):
        for p in (cls.MODULE_PATH, "/usr/lib/kamailio/modules/", "/usr/lib64/kamailio/modules/"):
            if os.path.isdir(p):
                return p
        return cls.MODULE_PATH

    def registrar(self):
        return f"sip:127.0.0.1:{self.port}"


# ---- linphonec ----

LINPHONE_RC = """\
[sip]
sip_port={port}
sip_tcp_port=0
sip_tls_port=0
default_proxy=-1
contact="{name}" <sip:{name}@127.0.0.1:{port}>
ipv6_enabled=0
guess_hostname=0
inc_timeout=60
ipv6_migration_done=1
auto_send_ringing=1
register_only_when_network_is_up=0
{encryption}
in_call_timeout=0
delayed_timeout=4

[rtp]
audio_rtp_port={rtp}
video_rtp_port={rtp_video}
text_rtp_port={rtp_text}
nortp_timeout={nortp_timeout}

[net]
mtu=1300

[video]
enabled=0
capture=0
display=0
automatically_initiate=0
automatically_accept=0
show_local=0

[sound]
echocancellation=0

[misc]
uuid=00000000-0000-4000-8000-{uuid:012x}
"""


class Linphonec(Proc):
    """linphonec (Debian linphone-cli) with its own HOME and rc, commands on stdin.
    encryption: the rc's [sip] media encryption lines; extra_rc: more rc sections
    (audio codecs...); nortp_timeout: seconds without RTP before linphonec hangs up
    (0: never). A subclass sets up more after the start in _setup()."""

    def __init__(self, directory, name="carol", autoanswer=False,
                 encryption="media_encryption=none\nmedia_encryption_mandatory=0",
                 extra_rc="", nortp_timeout=0):
        self.dir = str(directory)
        self.home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(self.home, ".local", "share", "linphone"), exist_ok=True)
        self.name_ = name
        self.port = free_port()
        self.rtp_port = free_udp_ports(2)  # RTP and RTCP
        self.rc_path = os.path.join(self.dir, "linphonerc")
        with open(self.rc_path, "w") as f:
            f.write(LINPHONE_RC.format(port=self.port, name=name, rtp=self.rtp_port,
                                       rtp_video=free_udp_ports(2), rtp_text=free_udp_ports(2),
                                       uuid=self.port, encryption=encryption,
                                       nortp_timeout=nortp_timeout) + extra_rc)
        env = dict(os.environ)
        env["HOME"] = self.home
        env.pop("DISPLAY", None)
        self.debug_log = os.path.join(self.dir, "linphone-debug.log")
        super().__init__("linphonec",
                         [require("linphonec"), "-c", self.rc_path, "-d", "6",
                          "-l", self.debug_log],
                         self.dir, env=env, stdin=subprocess.PIPE)
        with self.stopped_on_error():
            wait_bound(self.port, "udp", proc=self)
            self._setup(autoanswer)

    def _setup(self, autoanswer):
        # No sound card here: linphone plays and records (silent) files.
        self.send("soundcard use files")
        self.wait_line("Using wav files instead of soundcard")
        if autoanswer:
            self.send("autoanswer enable")
            self.wait_line("Auto answer enabled")

    def uri(self):
        return f"sip:{self.name_}@127.0.0.1:{self.port}"

    def sip_messages(self):
        """(direction, text) of the SIP messages in linphone's debug log:
        'received' or 'sent', in order."""
        try:
            with open(self.debug_log, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        rx = re.compile(r"(received \[\d+\] new bytes from|message sent to) \[[^\]]*\][^\n]*\n"
                        r"(.*?)(?=^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d+ |\Z)", re.S | re.M)
        return [("received" if m.group(1).startswith("received") else "sent",
                 m.group(2).strip()) for m in rx.finditer(text)]

    def wait_sip(self, direction, prefix, count=1):
        """Waits until the debug log shows count messages starting with
        prefix, received or sent; returns them."""
        found = []

        def seen():
            found[:] = [m for d, m in self.sip_messages()
                        if d == direction and m.startswith(prefix)]
            self.check_running()
            return len(found) >= count
        wait_until(seen, f"linphonec logging {count} x {prefix!r} {direction}")
        return found

    def send(self, line):
        self.check_running()
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.stdin.close()
                self.proc.wait(timeout=GUARD_SECONDS)
            except (AssertionError, OSError, BrokenPipeError, subprocess.TimeoutExpired):
                pass
        return super().stop(sig)


__all__ = ["Confab", "Proc", "Sipp", "Baresip", "CtrlTcp", "Kamailio", "Linphonec", "require",
           "wait_bound", "wait_incoming", "wait_state", "confab_harness"]
