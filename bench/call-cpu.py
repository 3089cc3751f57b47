#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cost of one audio call, side by side: confabd, baresip and linphonec (DESIGN.md §8).

In one run, on 127.0.0.1 inside a loopback-only network namespace (tests/netns-run: the
script re-executes itself there), with one headless PipeWire (tests/pipewire/pw_harness.py):

  1. two confabd daemons (release build, no debug logging) make a call of --seconds
     (30) carrying Opus in 20 ms frames over SRTP keyed by SDES, with ICE;
  2. two baresip instances make the same call (Opus, mediaenc=srtp-mand: SDES, RTP/SAVP);
  3. two linphonec instances make the same call (Opus, media_encryption=srtp: SDES).

Each pair sends a tone into the call: with --peer-audio pipewire (the default when the ALSA
PipeWire plugin is found) every endpoint captures from a PipeWire "microphone" into which
pw-play plays a tone file (caller 440 Hz, callee 880 Hz) and plays what it receives into a
PipeWire null sink, whose monitor is recorded to check that the other side's tone arrived:
confabd through its own PipeWire streams, baresip and linphonec through ALSA's PipeWire plugin
(libasound_module_pcm_pipewire.so, Debian package pipewire-alsa). With --peer-audio files the
peers use no PipeWire: baresip sends the tone file (aufile) and plays to aubridge (nowhere),
linphonec plays and records files ("soundcard use files"); confabd always uses PipeWire.

For each endpoint (caller and callee):
  - CPU seconds of the call: utime + stime of the whole process (/proc/PID/stat), sampled
    just before Dial and just after both ends have seen the call end; also the CPU share in
    the steady part (from "both ends active" to the hangup, --seconds long);
  - peak RSS during the call: VmHWM (/proc/PID/status), reset at Dial through
    /proc/PID/clear_refs (5) so that start-up peaks do not count (lifetime peak if the
    reset is refused); RSS at idle: VmRSS after the idle window;
  - idle wake-ups: context switches over --idle-seconds (10) with no call, voluntary and
    involuntary, summed over all threads (/proc/PID/task/*/status), and the main thread's;
  - in the steady call: wake-ups per second (voluntary context switches of all threads), and
    per thread its CPU seconds and wake-ups (the report shows the callers');
  - private memory (USS: Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) idle and
    in the call, and the largest resident mappings (the report shows the callers').
For each pair, "Dial to media flowing": from the Dial request (confabd: the D-Bus Dial call;
baresip: the ctrl_tcp "dial" command; linphonec: the "call" line on its stdin) to
  - the first RTP packet that the caller receives, taken from the wire (an AF_PACKET socket on
    lo with kernel timestamps; the caller's media port is the one in the SDP offer), and
  - what the endpoint itself reports: confabd's Call.Stats 'packets-received' > 0 (a
    PropertiesChanged signal; Stats is refreshed once a second, so this lags the packet by up
    to 1 s), baresip's CALL_RTPESTAB event; linphonec prints nothing of the kind (not measured).
The same capture gives the SDP offer and answer (profile, codec, crypto suite, ICE, ptime) and
the packets per second and bit rate in each direction, so that the pairs can be seen to do
the same work.

The pairs run one after the other (never two calls at once); --rounds N runs the sequence
N times and reports medians with their ranges, and Confab / peer ratios per round.

Run by hand, as root (the network namespace, clear_refs and the packet socket need it):
    /usr/bin/python3 bench/call-cpu.py [--build /work/build-bench] [--seconds 30] [--rounds 3]
Build confabd first:
    meson setup /work/build-bench /work/main --buildtype=release && ninja -C /work/build-bench
Not a test: nothing is asserted about the figures; the script prints them (a Markdown table)
and writes them as JSON (results.json in its working directory, kept with --keep).

--perf FILE records `perf record -e cpu-clock -g` of the calling confabd during its call (perf
then costs CPU in that process: take the CPU figures from a run without --perf).
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
NETNS_RUN = os.path.join(SOURCE_DIR, "tests", "netns-run")
IN_NETNS_ENV = "CONFAB_BENCH_IN_NETNS"

CLK_TCK = os.sysconf("SC_CLK_TCK")
GUARD_SECONDS = 60          # hang guard for waits, never an expectation

# PipeWire nodes (tests/pipewire/confab-test-pipewire.conf): the caller's microphone and
# speaker, the callee's.
NODES = {
    "caller": {"mic_in": "lab_mic_in", "mic": "lab_loopmic", "speaker": "lab_sink2"},
    "callee": {"mic_in": "lab_mic2_in", "mic": "lab_loopmic2", "speaker": "lab_sink"},
}
TONES = {"caller": 440.0, "callee": 880.0}
TONE_AMPLITUDE = 0.5
# confabd's Opus encoder: mono, OPUS_APPLICATION_VOIP, 32 kb/s (CF_OPUS_DEFAULT_BITRATE) and
# libopus's default complexity (9 in libopus 1.3). baresip is set to the same (its own default
# complexity is 10); linphonec keeps its defaults (the report shows the bit rates on the wire).
OPUS_BITRATE = 32000
OPUS_COMPLEXITY = 9


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- /proc ----

def cpu_seconds(pid):
    """utime + stime of the whole process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 of proc(5) (state): utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(path):
    out = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def status_kb(pid, key):
    value = proc_status(f"/proc/{pid}/status").get(key)
    return int(value.split()[0]) if value else None


def context_switches(pid):
    """(voluntary of all threads, involuntary of all threads, voluntary of the main thread).
    Threads that ended within a window are not counted: the window is idle, no call."""
    vol = invol = 0
    for task in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            st = proc_status(task)
        except OSError:
            continue
        vol += int(st.get("voluntary_ctxt_switches", 0))
        invol += int(st.get("nonvoluntary_ctxt_switches", 0))
    main = int(proc_status(f"/proc/{pid}/status").get("voluntary_ctxt_switches", 0))
    return vol, invol, main


def threads(pid):
    """{tid: (name, CPU seconds, voluntary, involuntary context switches)} of a process."""
    out = {}
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{task}/stat") as f:
                stat = f.read()
            st = proc_status(f"{task}/status")
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        out[os.path.basename(task)] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK,
                                       int(st.get("voluntary_ctxt_switches", 0)),
                                       int(st.get("nonvoluntary_ctxt_switches", 0)))
    return out


def thread_deltas(before, after, seconds):
    """Per thread alive at both ends of a window: CPU seconds and wake-ups per second,
    busiest first. A thread's name is the creator's unless it set one (so PipeWire's data
    thread in confabd is called cf-media, like the media thread that made it)."""
    rows = []
    for tid, (name, cpu, vol, invol) in after.items():
        if tid in before:
            _, cpu0, vol0, invol0 = before[tid]
            rows.append({"tid": int(tid), "name": name, "cpu_seconds": round(cpu - cpu0, 3),
                         "wakeups_per_second": round((vol - vol0) / seconds, 1),
                         "preemptions_per_second": round((invol - invol0) / seconds, 1)})
    return sorted(rows, key=lambda r: (-r["cpu_seconds"], -r["wakeups_per_second"]))


def thread_count(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (proc(5), clear_refs 5). False if refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_by_mapping(pid, count=6):
    """The count largest resident mappings, summed by name ([heap], [anon], a library), KiB."""
    sizes = {}
    name = "?"
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 6)
                if len(first) >= 5 and "-" in first[0] and ":" in first[3]:
                    name = os.path.basename(first[5].strip()) if len(first) > 5 else "[anon]"
                elif line.startswith("Rss:"):
                    sizes[name] = sizes.get(name, 0) + int(line.split()[1])
    except OSError:
        return []
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:count]


def private_kb(pid):
    """Private_Clean + Private_Dirty (the unique set size: what this process alone holds),
    and Pss, from /proc/PID/smaps_rollup; (None, None) if unreadable."""
    try:
        st = proc_status(f"/proc/{pid}/smaps_rollup")
    except OSError:
        return None, None

    def kb(key):
        return int(st[key].split()[0]) if key in st else 0
    return kb("Private_Clean") + kb("Private_Dirty"), kb("Pss")


class Snapshot:
    def __init__(self, pid):
        self.t = time.monotonic()
        self.cpu = cpu_seconds(pid)
        self.rss = status_kb(pid, "VmRSS")
        self.hwm = status_kb(pid, "VmHWM")


# ---- waiting ----

def iterate(seconds=0.005):
    """Runs the GLib main context once (D-Bus signals) or sleeps a little."""
    from gi.repository import GLib
    if not GLib.MainContext.default().iteration(False):
        time.sleep(seconds)


def wait_for(predicate, what, guard=GUARD_SECONDS):
    deadline = time.monotonic() + guard
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        iterate()


def pass_time(until):
    """Keeps the main loop running until the monotonic time until."""
    while time.monotonic() < until:
        iterate(min(0.05, max(0.0, until - time.monotonic())))


# ---- the wire ----

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33


class Sniffer:
    """Watches UDP on lo (AF_PACKET, kernel timestamps): the first SDP offer and answer
    and, per flow, the RTP and RTCP packets and bytes and the first RTP packet's time.
    Each packet on lo is seen twice (outgoing and incoming): only the incoming copy counts.
    Its cost to the endpoints: the kernel clones each packet for this socket in the sender's
    context. The socket is drained every POLL_SECONDS rather than waited on, so that a packet
    never has to wake this script's thread up (that wake-up, charged to the sender, cost
    about 3 % of a confabd's CPU in a call when the thread blocked in recvmsg)."""

    POLL_SECONDS = 0.2

    def __init__(self):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("lo", 0))
        self.sock.setblocking(False)
        self.flows = {}         # (src, sport, dst, dport) -> dict
        self.sdp = []           # (time, start line, body)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            time.sleep(self.POLL_SECONDS)
            self._drain()
        self._drain()

    def _drain(self):
        while True:
            try:
                data, anc, _, addr = self.sock.recvmsg(65536, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            ts = time.time()
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", value[:16])
                    ts = sec + nsec / 1e9
            self._packet(data, ts)

    def _packet(self, frame, ts):
        if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
            return
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17 or len(ip) < ihl + 8:
            return
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        payload = ip[ihl + 8:]
        if len(payload) >= 12 and payload[0] >> 6 == 2:
            rtcp = 192 <= payload[1] <= 223
            with self.lock:
                f = self.flows.setdefault((src, sport, dst, dport), {
                    "rtp": 0, "rtp_bytes": 0, "rtcp": 0, "first_rtp": None, "last_rtp": None,
                    "pt": None})
                if rtcp:
                    f["rtcp"] += 1
                else:
                    f["rtp"] += 1
                    f["rtp_bytes"] += len(payload)
                    f["pt"] = payload[1] & 0x7F
                    if f["first_rtp"] is None:
                        f["first_rtp"] = ts
                    f["last_rtp"] = ts
        elif payload[:7] == b"INVITE " or payload[:11] == b"SIP/2.0 200":
            text = payload.decode("utf-8", "replace")
            head, _, body = text.partition("\r\n\r\n")
            if "m=audio" in body:
                with self.lock:
                    self.sdp.append((ts, head.split("\r\n", 1)[0], body))

    def stop(self):
        self.running = False
        self.thread.join(GUARD_SECONDS)
        self.sock.close()

    def offer_answer(self):
        with self.lock:
            offer = next((s for s in self.sdp if s[1].startswith("INVITE ")), None)
            answer = next((s for s in self.sdp if s[1].startswith("SIP/2.0 200")), None)
        return offer, answer

    def rtp_flows(self):
        with self.lock:
            return {k: dict(v) for k, v in self.flows.items() if v["rtp"] > 0}


def sdp_summary(body):
    """What an SDP body says about its audio stream."""
    if body is None:
        return None
    m = re.search(r"^m=audio (\d+) (\S+) ([\d ]+)", body, re.M)
    if not m:
        return None
    pts = m.group(3).split()
    rtpmap = dict(re.findall(r"^a=rtpmap:(\d+) (\S+)", body, re.M))
    fmtp = dict(re.findall(r"^a=fmtp:(\d+) (.*?)\s*$", body, re.M))
    suites = re.findall(r"^a=crypto:\d+ (\S+)", body, re.M)
    ptime = re.search(r"^a=ptime:(\d+)", body, re.M)
    return {
        "port": int(m.group(1)),
        "profile": m.group(2),
        "codecs": [rtpmap.get(pt, pt) for pt in pts],
        "first_fmtp": fmtp.get(pts[0], "") if pts else "",
        "crypto": suites,
        "ice": "a=ice-ufrag:" in body,
        "ptime": int(ptime.group(1)) if ptime else None,
        "rtcp_mux": "a=rtcp-mux" in body,
    }


# ---- audio ----

def write_tone(path, freq, seconds):
    pwh.write_tone_wav(path, freq, seconds, amplitude=TONE_AMPLITUDE)


def heard(path, expected, other):
    """What a speaker's recording holds: how long there was sound, and over 2 s in the middle
    of it the frequency and the share of the expected tone (and of the other party's)."""
    rate, samples = pwh.read_wav(path)
    start, end = pwh.active_span(samples, 0.1 * 32767)
    out = {"sound_seconds": round((end - start) / rate, 2)}
    if end - start < 2 * rate:
        out["frequency"] = None
        return out
    mid = (start + end) // 2
    block = samples[mid - rate:mid + rate]
    freq = pwh.estimate_frequency(block, rate)
    out["frequency"] = round(freq, 1) if freq else None
    tenths = [block[i:i + rate // 10] for i in range(0, len(block), rate // 10)]
    out["share_expected"] = round(sorted(pwh.tone_ratio(b, rate, expected)
                                         for b in tenths)[len(tenths) // 2], 3)
    out["share_other"] = round(max(pwh.tone_ratio(b, rate, other) for b in tenths), 3)
    out["rms"] = round(pwh.rms(block))
    return out


def alsa_plugin_dir(option):
    """The directory of libasound_module_pcm_pipewire.so (pipewire-alsa), or None."""
    candidates = []
    if option:
        candidates.append(option)
    if os.environ.get("CONFAB_BENCH_ALSA_PLUGIN_DIR"):
        candidates.append(os.environ["CONFAB_BENCH_ALSA_PLUGIN_DIR"])
    candidates += glob.glob("/usr/lib/*/alsa-lib") + ["/usr/lib/alsa-lib", "/usr/lib64/alsa-lib"]
    for d in candidates:
        if os.path.exists(os.path.join(d, "libasound_module_pcm_pipewire.so")):
            return os.path.abspath(d)
    return None


ALSA_CONF = """\
# An ALSA "default" device that is a PipeWire client (pipewire-alsa's plugin), for one
# endpoint: it captures from {mic} and plays into {speaker}.
pcm_type.pipewire {{ lib "{plugin_dir}/libasound_module_pcm_pipewire.so" }}
ctl_type.pipewire {{ lib "{plugin_dir}/libasound_module_ctl_pipewire.so" }}
pcm.!default {{
	type pipewire
	playback_node "{speaker}"
	capture_node "{mic}"
	hint {{ show on description "confab bench {role}" }}
}}
ctl.!default {{ type pipewire }}
"""


def alsa_env(directory, role, plugin_dir):
    """Environment entries that make ALSA's default device this role's PipeWire nodes."""
    path = os.path.join(directory, "alsa.conf")
    with open(path, "w") as f:
        f.write(ALSA_CONF.format(plugin_dir=plugin_dir, role=role, **NODES[role]))
    system = "/usr/share/alsa/alsa.conf"
    return {"ALSA_CONFIG_PATH": f"{system}:{path}"}


# ---- the pairs ----

class Pair:
    """Two endpoints of one implementation; the caller dials the callee, which answers
    by itself. Subclasses fill in how."""

    name = "?"

    def __init__(self, workdir, ctx):
        self.dir = os.path.join(workdir, f"{self.name}-{ctx.round}")
        os.makedirs(self.dir, exist_ok=True)
        self.ctx = ctx
        self.t_dial = self.t_dial_wall = None
        self.t_active = None
        self.t_media_reported = None
        self.media_reported_how = "not measured"
        self.notes = []
        self.extra = {}

    def pids(self):
        """{'caller': pid, 'callee': pid}"""
        raise NotImplementedError

    def uses_pipewire(self):
        return True

    def start(self):
        raise NotImplementedError

    def dial(self):
        raise NotImplementedError

    def established(self):
        """True once both ends have the call up."""
        raise NotImplementedError

    def poll_media(self):
        """Called while waiting: sets t_media_reported when the endpoint reports media."""

    def hangup(self):
        raise NotImplementedError

    def ended(self):
        raise NotImplementedError

    def before_hangup(self):
        """Reads what the endpoints say about the call before it ends."""

    def stop(self):
        raise NotImplementedError


class ConfabPair(Pair):
    name = "confabd"

    def start(self):
        from confab_harness import Bus, CallWatcher, Daemon, free_port, peer_config

        class QuietDaemon(Daemon):
            """A confabd as a user runs it: no debug logging (the test harness turns it on)."""

            def env(daemon):
                env = super().env()
                env.pop("G_DEBUG", None)
                if not self.ctx.confab_debug:
                    env.pop("G_MESSAGES_DEBUG", None)
                return env

        self.peers = {}
        self.buses = []
        for role, name in (("caller", "alice"), ("callee", "bob")):
            port = free_port()
            extra = (f"[media]\naudio-source = {NODES[role]['mic']}\n"
                     f"audio-sink = {NODES[role]['speaker']}\n")
            if role == "callee":
                extra += "[calls]\nauto-answer = true\n"
            bus = Bus(os.path.join(self.dir, f"bus-{name}"))
            self.buses.append(bus)
            daemon = QuietDaemon(bus, os.path.join(self.dir, name),
                                 config=peer_config(name, port, extra, transports=("udp",)))
            daemon.start()
            self.peers[role] = {"daemon": daemon, "port": port, "name": name,
                                "watch": CallWatcher(daemon)}
        self.path = None
        self.stats_match = self.peers["caller"]["daemon"].bus.conn.add_signal_receiver(
            self._on_changed, signal_name="PropertiesChanged",
            dbus_interface="org.freedesktop.DBus.Properties", path_keyword="path")
        self.pending_stats = []

    def _on_changed(self, iface, changed, invalidated, path=None):
        if "Stats" in changed and self.t_media_reported is None:
            received = int(changed["Stats"].get("packets-received", 0))
            if received > 0:
                self.pending_stats.append((time.monotonic(), str(path)))

    def pids(self):
        return {r: p["daemon"].proc.pid for r, p in self.peers.items()}

    def dial(self):
        from confab_harness import dial
        callee = self.peers["callee"]
        uri = f"sip:{callee['name']}@127.0.0.1:{callee['port']}"
        self.t_dial_wall = time.time()
        self.t_dial = time.monotonic()
        self.path = dial(self.peers["caller"]["daemon"], uri)

    def _callee_path(self):
        watch = self.peers["callee"]["watch"]
        return next(iter(watch.props), None)

    def established(self):
        caller = self.peers["caller"]["watch"]
        callee = self.peers["callee"]["watch"]
        b = self._callee_path()
        return (self.path is not None and caller.get(self.path, "State") == "active"
                and b is not None and callee.get(b, "State") == "active")

    def poll_media(self):
        if self.t_media_reported is None:
            for t, path in self.pending_stats:
                if path == self.path:
                    self.t_media_reported = t
                    self.media_reported_how = ("Call.Stats packets-received > 0 "
                                               "(PropertiesChanged; Stats refreshes once a second)")
                    break

    def before_hangup(self):
        from confab_harness import call_props
        props = call_props(self.peers["caller"]["daemon"], self.path)
        stats = {str(k): (float(v) if isinstance(v, float) else
                          (str(v) if isinstance(v, str) else int(v)))
                 for k, v in props["Stats"].items()}
        self.extra["caller_stats"] = stats
        self.extra["caller_encryption"] = str(props["Encryption"])
        self.notes.append(f"caller's Encryption: {props['Encryption']}; Stats: codec "
                          f"{stats.get('codec')}, transport {stats.get('transport')}, "
                          f"received {stats.get('packets-received')}, lost "
                          f"{stats.get('packets-lost')}, playout delay "
                          f"{stats.get('playout-delay', 0):.1f} ms")

    def hangup(self):
        from confab_harness import call_iface
        call_iface(self.peers["caller"]["daemon"], self.path).Hangup()

    def ended(self):
        caller = self.peers["caller"]["watch"]
        callee = self.peers["callee"]["watch"]
        b = self._callee_path()
        return (caller.get(self.path, "State") == "ended"
                and b is not None and callee.get(b, "State") == "ended")

    def stop(self):
        for p in getattr(self, "peers", {}).values():
            p["watch"].close()
            p["daemon"].stop()
        for bus in getattr(self, "buses", []):
            bus.close()


BARESIP_CONFIG = """\
poll_method\t\tepoll
sip_listen\t\t127.0.0.1:{sip_port}
call_local_timeout\t120
call_max_calls\t\t4
audio_source\t\t{source}
audio_player\t\t{player}
audio_alert\t\taubridge,nowhere
audio_level\t\tno
ausrc_format\t\ts16
auplay_format\t\ts16
audio_buffer\t\t20-160
rtp_ports\t\t{rtp_low}-{rtp_high}
rtcp_mux\t\tno
jitter_buffer_delay\t5-10
rtp_stats\t\tno
module_path\t\t/usr/lib/baresip/modules
module\t\t\topus.so
module\t\t\tsrtp.so
module\t\t\t{audio_module}
module\t\t\taubridge.so
module_tmp\t\tuuid.so
module_tmp\t\taccount.so
module_app\t\tcontact.so
module_app\t\tmenu.so
module_app\t\tctrl_tcp.so
ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}
snd_path\t\t{dir}/snd
opus_bitrate\t\t{bitrate}
opus_stereo\t\tno
opus_sprop_stereo\tno
opus_application\tvoip
opus_complexity\t\t{complexity}
net_interface\t\t127.0.0.1
"""


class TimedCtrlTcp:
    """baresip's ctrl_tcp (netstring JSON), each message stamped with its arrival time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS)
        self.sock.settimeout(None)
        self.messages = []
        self.lock = threading.Lock()
        self.token = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            t = time.monotonic()
            buf += data
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                length = int(buf[:colon])
                if len(buf) < colon + 2 + length:
                    break
                msg = json.loads(buf[colon + 1:colon + 1 + length])
                buf = buf[colon + 2 + length:]
                with self.lock:
                    self.messages.append((t, msg))

    def send(self, command, params=None):
        self.token += 1
        msg = {"command": command, "token": str(self.token)}
        if params is not None:
            msg["params"] = params
        payload = json.dumps(msg).encode()
        self.sock.sendall(str(len(payload)).encode() + b":" + payload + b",")

    def event_time(self, type_):
        with self.lock:
            return next((t for t, m in self.messages
                         if m.get("event") and m.get("type") == type_), None)

    def events(self):
        with self.lock:
            return [(t, m) for t, m in self.messages if m.get("event")]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(GUARD_SECONDS)


class BaresipPair(Pair):
    name = "baresip"

    def uses_pipewire(self):
        return self.ctx.peer_audio == "pipewire"

    def start(self):
        from interop_harness import Proc, free_port, free_udp_ports, require, wait_bound
        self.ends = {}
        for role, user in (("caller", "alice"), ("callee", "bob")):
            d = os.path.join(self.dir, user)
            os.makedirs(os.path.join(d, "snd"), exist_ok=True)
            sip_port, ctrl_port = free_port(), free_port()
            rtp_low = free_udp_ports(10)
            env = dict(os.environ)
            if self.uses_pipewire():
                source, player, module = "alsa,default", "alsa,default", "alsa.so"
                env.update(alsa_env(d, role, self.ctx.alsa_plugin_dir))
            else:
                # aufile wants the codec's rate and channels: 48 kHz mono here (opus_stereo
                # no); ausine only makes stereo.
                source = f"aufile,{self.ctx.tones[role]}"
                player, module = "aubridge,nowhere", "aufile.so"
            with open(os.path.join(d, "config"), "w") as f:
                f.write(BARESIP_CONFIG.format(
                    sip_port=sip_port, ctrl_port=ctrl_port, rtp_low=rtp_low,
                    rtp_high=rtp_low + 9, source=source, player=player, audio_module=module,
                    dir=d, bitrate=OPUS_BITRATE, complexity=OPUS_COMPLEXITY))
            answer = "answermode=auto" if role == "callee" else "answermode=manual"
            with open(os.path.join(d, "accounts"), "w") as f:
                f.write(f"<sip:{user}@127.0.0.1:{sip_port}>;regint=0;{answer};"
                        "mediaenc=srtp-mand\n")
            open(os.path.join(d, "contacts"), "w").close()
            proc = Proc("baresip", [require("baresip"), "-f", d], d, env=env)
            self.ends[role] = {"proc": proc, "sip_port": sip_port, "user": user}
            wait_bound(sip_port, "udp", proc=proc)
            wait_bound(ctrl_port, "tcp", proc=proc)
            self.ends[role]["ctrl"] = TimedCtrlTcp(ctrl_port)

    def pids(self):
        return {r: e["proc"].proc.pid for r, e in self.ends.items()}

    def _check(self):
        for e in self.ends.values():
            e["proc"].check_running()

    def dial(self):
        callee = self.ends["callee"]
        self.t_dial_wall = time.time()
        self.t_dial = time.monotonic()
        self.ends["caller"]["ctrl"].send(
            "dial", f"sip:{callee['user']}@127.0.0.1:{callee['sip_port']}")

    def established(self):
        self._check()
        return all(e["ctrl"].event_time("CALL_ESTABLISHED") for e in self.ends.values())

    def poll_media(self):
        t = self.ends["caller"]["ctrl"].event_time("CALL_RTPESTAB")
        if t is not None and self.t_media_reported is None:
            self.t_media_reported = t
            self.media_reported_how = "CALL_RTPESTAB event (ctrl_tcp)"

    def before_hangup(self):
        types = [m.get("type") for _, m in self.ends["caller"]["ctrl"].events()]
        self.notes.append("caller's events: " + ", ".join(types))

    def hangup(self):
        self.ends["caller"]["ctrl"].send("hangup")

    def ended(self):
        self._check()
        return all(e["ctrl"].event_time("CALL_CLOSED") for e in self.ends.values())

    def stop(self):
        for e in getattr(self, "ends", {}).values():
            if "ctrl" in e:
                e["ctrl"].close()
            e["proc"].stop()


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
media_encryption=srtp
media_encryption_mandatory=1
in_call_timeout=0
delayed_timeout=4

[rtp]
audio_rtp_port={rtp}
video_rtp_port={rtp_video}
nortp_timeout=30

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

[audio_codec_0]
mime=opus
rate=48000
channels=2
enabled=1
"""
# Every other audio codec that Debian's linphone knows, off: Opus is the only one offered.
LINPHONE_OFF = [("speex", 16000, 1), ("speex", 8000, 1), ("PCMU", 8000, 1), ("PCMA", 8000, 1),
                ("GSM", 8000, 1), ("G722", 8000, 1), ("G729", 8000, 1), ("speex", 32000, 1),
                ("G726-16", 8000, 1), ("G726-24", 8000, 1), ("G726-32", 8000, 1),
                ("G726-40", 8000, 1), ("AAL2-G726-16", 8000, 1), ("AAL2-G726-24", 8000, 1),
                ("AAL2-G726-32", 8000, 1), ("AAL2-G726-40", 8000, 1), ("L16", 44100, 2),
                ("L16", 44100, 1), ("BV16", 8000, 1), ("iLBC", 8000, 1), ("SILK", 16000, 1),
                ("SILK", 8000, 1), ("SILK", 12000, 1), ("SILK", 24000, 1), ("AMR", 8000, 1),
                ("AMR-WB", 16000, 1), ("mpeg4-generic", 16000, 1), ("mpeg4-generic", 22050, 1),
                ("mpeg4-generic", 32000, 1), ("mpeg4-generic", 44100, 1),
                ("mpeg4-generic", 48000, 1), ("CODEC2", 8000, 1)]


class LinphonePair(Pair):
    name = "linphonec"

    def uses_pipewire(self):
        return self.ctx.peer_audio == "pipewire"

    def start(self):
        from interop_harness import Proc, free_port, free_udp_ports, require, wait_bound
        self.ends = {}
        for role, user in (("caller", "alice"), ("callee", "bob")):
            d = os.path.join(self.dir, user)
            home = os.path.join(d, "home")
            os.makedirs(os.path.join(home, ".local", "share", "linphone"), exist_ok=True)
            port = free_port()
            rc = LINPHONE_RC.format(port=port, name=user, rtp=free_udp_ports(2),
                                    rtp_video=free_udp_ports(2), uuid=port)
            for i, (mime, rate, ch) in enumerate(LINPHONE_OFF, start=1):
                rc += (f"\n[audio_codec_{i}]\nmime={mime}\nrate={rate}\nchannels={ch}\n"
                       "enabled=0\n")
            rc_path = os.path.join(d, "linphonerc")
            with open(rc_path, "w") as f:
                f.write(rc)
            env = dict(os.environ)
            env["HOME"] = home
            env.pop("DISPLAY", None)
            if self.uses_pipewire():
                env.update(alsa_env(d, role, self.ctx.alsa_plugin_dir))
            proc = Proc("linphonec", [require("linphonec"), "-c", rc_path], d, env=env,
                        stdin=subprocess.PIPE)
            end = {"proc": proc, "port": port, "user": user, "times": {}}
            self.ends[role] = end
            wait_bound(port, "udp", proc=proc)
            if self.uses_pipewire():
                mark = proc.mark()
                self._send(role, "soundcard list")
                card = proc.wait_line(r"^(?:linphonec> )?(\d+): ALSA.*default", mark).group(1)
                mark = proc.mark()
                self._send(role, f"soundcard use {card}")
                proc.wait_line(r"Using sound device", mark)
            else:
                mark = proc.mark()
                self._send(role, "soundcard use files")
                proc.wait_line(r"Using wav files instead of soundcard", mark)
                self._send(role, f"play {self.ctx.tones[role]}")
            if role == "callee":
                mark = proc.mark()
                self._send(role, "autoanswer enable")
                proc.wait_line(r"Auto answer enabled", mark)

    def _send(self, role, line):
        p = self.ends[role]["proc"]
        p.check_running()
        p.proc.stdin.write(line + "\n")
        p.proc.stdin.flush()

    def pids(self):
        return {r: e["proc"].proc.pid for r, e in self.ends.items()}

    def _seen(self, role, key, pattern):
        """The time at which a line matching pattern was first seen (by this script's loop,
        after the dial), remembered under key."""
        end = self.ends[role]
        if key not in end["times"]:
            end["proc"].check_running()
            if end["proc"].find(pattern, self.marks[role]):
                end["times"][key] = time.monotonic()
        return end["times"].get(key)

    def dial(self):
        callee = self.ends["callee"]
        self.marks = {r: e["proc"].mark() for r, e in self.ends.items()}
        self.t_dial_wall = time.time()
        self.t_dial = time.monotonic()
        self._send("caller", f"call sip:{callee['user']}@127.0.0.1:{callee['port']}")

    def established(self):
        return all(self._seen(r, "streams", r"Media streams established") for r in self.ends)

    def before_hangup(self):
        for role in self.ends:
            lines = [ln for ln in self.ends[role]["proc"].lines[self.marks[role]:]
                     if ln.strip() and "linphonec>" not in ln][:12]
            self.extra[f"{role}_printed"] = lines

    def hangup(self):
        self._send("caller", "terminate")

    def ended(self):
        return all(self._seen(r, "ended", r"Call \d+ with .* ended") for r in self.ends)

    def stop(self):
        for role, e in getattr(self, "ends", {}).items():
            try:
                self._send(role, "quit")
                e["proc"].proc.stdin.close()
                e["proc"].proc.wait(timeout=GUARD_SECONDS)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                pass
            e["proc"].stop()


PAIRS = {"confabd": ConfabPair, "baresip": BaresipPair, "linphonec": LinphonePair}


# ---- one pair's run ----

class Context:
    pass


def run_pair(cls, ctx):
    pair = cls(ctx.workdir, ctx)
    res = {"pair": pair.name, "endpoints": {}}
    log(f"{pair.name}: starting (round {ctx.round})")
    players, recorders, sniffer, perf = [], {}, None, None
    try:
        pair.start()
        pids = pair.pids()
        # Start-up done (ready notified, sockets bound): one second to let lazy work finish,
        # then the idle window.
        pass_time(time.monotonic() + 1.0)
        idle0 = {r: (context_switches(p), cpu_seconds(p)) for r, p in pids.items()}
        t0 = time.monotonic()
        pass_time(t0 + ctx.idle_seconds)
        idle_t = time.monotonic() - t0
        for role, pid in pids.items():
            (v0, i0, m0), c0 = idle0[role]
            v1, i1, m1 = context_switches(pid)
            res["endpoints"][role] = {
                "pid": pid,
                "idle_seconds": round(idle_t, 2),
                "idle_voluntary_switches": v1 - v0,
                "idle_involuntary_switches": i1 - i0,
                "idle_main_thread_voluntary_switches": m1 - m0,
                "idle_cpu_seconds": round(cpu_seconds(pid) - c0, 3),
                "idle_rss_kb": status_kb(pid, "VmRSS"),
                "lifetime_hwm_before_call_kb": status_kb(pid, "VmHWM"),
                "threads_idle": thread_count(pid),
                "idle_rss_top": rss_by_mapping(pid),
                "idle_uss_kb": private_kb(pid)[0],
                "idle_pss_kb": private_kb(pid)[1],
            }
        log(f"{pair.name}: idle window done; calling for {ctx.seconds} s")

        if pair.uses_pipewire():
            for role in ("caller", "callee"):
                other = "callee" if role == "caller" else "caller"
                path = os.path.join(pair.dir, f"{role}-hears.wav")
                recorders[role] = (ctx.pw.record(path, target=NODES[role]["speaker"]),
                                   TONES[other], TONES[role])
            for role in ("caller", "callee"):
                players.append(ctx.pw.play(ctx.tones[role], target=NODES[role]["mic_in"],
                                           wait=False))
        sniffer = Sniffer()

        if ctx.perf and pair.name == "confabd":
            # Attached before the Dial, so that the threads the call creates (media, PipeWire)
            # inherit the sampling; the idle daemon costs nothing meanwhile.
            perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock"] + ctx.perf_callgraph
                                    + ["-o", ctx.perf, "-p", str(pids["caller"])],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pass_time(time.monotonic() + 1.0)
        pw_cpu0 = cpu_seconds(ctx.pw.pid)
        snaps0, reset = {}, {}
        for role, pid in pids.items():
            reset[role] = reset_peak_rss(pid)
            snaps0[role] = Snapshot(pid)
        pair.dial()

        def up():
            pair.poll_media()
            return pair.established()
        wait_for(up, f"{pair.name}: both ends active")
        pair.t_active = time.monotonic()
        snaps_active = {r: Snapshot(p) for r, p in pids.items()}
        threads_active = {r: threads(p) for r, p in pids.items()}
        log(f"{pair.name}: active after {pair.t_active - pair.t_dial:.3f} s")
        deadline = pair.t_active + ctx.seconds
        while time.monotonic() < deadline:
            pair.poll_media()
            iterate(0.02)
        pair.poll_media()
        snaps_steady = {r: Snapshot(p) for r, p in pids.items()}
        threads_in_call = {r: thread_count(p) for r, p in pids.items()}
        threads_steady = {r: threads(p) for r, p in pids.items()}
        rss_top = {r: rss_by_mapping(p) for r, p in pids.items()}
        uss_call = {r: private_kb(p) for r, p in pids.items()}
        pair.before_hangup()
        t_hangup = time.monotonic()
        pair.hangup()
        wait_for(pair.ended, f"{pair.name}: both ends ended")
        t_ended = time.monotonic()
        snaps_end = {r: Snapshot(p) for r, p in pids.items()}
        pw_cpu = cpu_seconds(ctx.pw.pid) - pw_cpu0
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=GUARD_SECONDS)
            perf = None

        for role in pids:
            s0, sa, ss, se = snaps0[role], snaps_active[role], snaps_steady[role], snaps_end[role]
            e = res["endpoints"][role]
            e.update({
                "call_seconds": round(se.t - s0.t, 3),
                "call_cpu_seconds": round(se.cpu - s0.cpu, 3),
                "setup_cpu_seconds": round(sa.cpu - s0.cpu, 3),
                "steady_seconds": round(ss.t - sa.t, 3),
                "steady_cpu_seconds": round(ss.cpu - sa.cpu, 3),
                "steady_cpu_percent": round(100 * (ss.cpu - sa.cpu) / (ss.t - sa.t), 3),
                "steady_wakeups_per_second": round(sum(
                    t["wakeups_per_second"] for t in thread_deltas(
                        threads_active[role], threads_steady[role], ss.t - sa.t)), 1),
                "hangup_cpu_seconds": round(se.cpu - ss.cpu, 3),
                "peak_rss_kb": se.hwm,
                "peak_rss_is_call_only": reset[role],
                "rss_end_of_call_kb": ss.rss,
                "threads_in_call": threads_in_call[role],
                "call_rss_top": rss_top[role],
                "steady_threads": thread_deltas(threads_active[role], threads_steady[role],
                                                ss.t - sa.t),
                "call_uss_kb": uss_call[role][0],
                "call_pss_kb": uss_call[role][1],
            })
        res["pipewire_server_cpu_seconds"] = round(pw_cpu, 3)
        res["dial_to_active"] = round(pair.t_active - pair.t_dial, 4)
        res["hangup_to_ended"] = round(t_ended - t_hangup, 4)
        res["dial_to_media_reported"] = (round(pair.t_media_reported - pair.t_dial, 4)
                                         if pair.t_media_reported is not None else None)
        res["media_reported_how"] = pair.media_reported_how
    finally:
        if perf is not None:
            perf.kill()
            perf.wait()
        if sniffer is not None:
            sniffer.stop()
        for p in players:
            if p.poll() is None:
                p.terminate()
            p.wait(timeout=GUARD_SECONDS)
        heard_by = {}
        for role, (rec, expected, own) in recorders.items():
            rec.stop()
        pair.stop()
    for role, (rec, expected, own) in recorders.items():
        try:
            heard_by[role] = heard(rec.path, expected, own)
        except Exception as exc:  # a recording that cannot be read is reported, not fatal
            heard_by[role] = {"error": str(exc)}
        heard_by[role]["expected"] = expected
    res["heard"] = heard_by
    res["notes"] = pair.notes
    res.update(pair.extra)
    wire(res, sniffer, pair)
    return res


def wire(res, sniffer, pair):
    """Adds what the capture saw: SDP offer and answer, RTP per direction, first packets."""
    offer, answer = sniffer.offer_answer()
    res["offer"] = sdp_summary(offer[2]) if offer else None
    res["answer"] = sdp_summary(answer[2]) if answer else None
    flows = sniffer.rtp_flows()
    caller_port = res["offer"]["port"] if res["offer"] else None
    callee_port = res["answer"]["port"] if res["answer"] else None
    directions = {}
    first_any = None
    for (src, sport, dst, dport), f in flows.items():
        if dport == caller_port:
            label = "to caller"
        elif dport == callee_port:
            label = "to callee"
        else:
            label = f"{sport}->{dport}"
        span = (f["last_rtp"] - f["first_rtp"]) if f["rtp"] > 1 else 0
        directions[label] = {
            "packets": f["rtp"],
            "rtcp_packets": f["rtcp"],
            "payload_type": f["pt"],
            "packets_per_second": round((f["rtp"] - 1) / span, 2) if span else None,
            "kbit_per_second": round(8 * f["rtp_bytes"] / span / 1000, 2) if span else None,
            "mean_udp_payload_bytes": round(f["rtp_bytes"] / f["rtp"], 1),
            "dial_to_first": round(f["first_rtp"] - pair.t_dial_wall, 4),
        }
        if first_any is None or f["first_rtp"] < first_any:
            first_any = f["first_rtp"]
    res["rtp"] = directions
    to_caller = directions.get("to caller")
    res["dial_to_first_rtp_at_caller"] = to_caller["dial_to_first"] if to_caller else None
    res["dial_to_first_rtp_any"] = (round(first_any - pair.t_dial_wall, 4)
                                    if first_any is not None else None)


# ---- the report ----

def mib(kb):
    return f"{kb / 1024:.1f}" if kb is not None else "?"


def num(v):
    return f"{v:g}"


def spread(values, fmt):
    """median (min-max) of the rounds' values, or just the value for one round."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/m"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def ok_rounds(results, pair):
    return [r for r in results if r["pair"] == pair and "error" not in r]


def pair_names(results):
    names = []
    for r in results:
        if r["pair"] not in names:
            names.append(r["pair"])
    return names


def endpoint_values(rounds, role, key):
    return [r["endpoints"][role][key] for r in rounds
            if r["endpoints"].get(role, {}).get(key) is not None]


def pair_mean(r, key):
    """The mean of caller and callee in one round."""
    values = [e[key] for e in r["endpoints"].values() if e.get(key) is not None]
    return sum(values) / len(values) if values else None


def sdp_text(s):
    if not s:
        return "?"
    text = f"{s['profile']} {','.join(s['codecs'])}"
    text += f", crypto {','.join(s['crypto'])}" if s["crypto"] else ", no crypto"
    text += ", ICE" if s["ice"] else ", no ICE"
    if s["ptime"]:
        text += f", ptime {s['ptime']}"
    return text


def rtp_text(d):
    if not d:
        return "none"
    return (f"{d['packets']} pkts, {d['packets_per_second']}/s, "
            f"{d['kbit_per_second']} kb/s, {d['mean_udp_payload_bytes']} B/pkt")


def heard_text(x):
    if not x:
        return "not checked"
    if "error" in x:
        return x["error"]
    f = x.get("frequency")
    if not f:
        return f"silence ({x['sound_seconds']} s of sound)"
    return (f"{f:g} Hz (sent {x['expected']:g}), tone share {x.get('share_expected')}, "
            f"sound for {x['sound_seconds']} s")


def report(results, ctx):
    out = []
    names = pair_names(results)
    rounds_run = max((r.get("round", 1) for r in results), default=0)
    out.append(f"Run {ctx.started} on {ctx.machine}; confabd from {ctx.confab}; "
               f"{rounds_run} round(s) of the pairs in "
               f"turn; each call {ctx.seconds:g} s after both ends were active; idle window "
               f"{ctx.idle_seconds:g} s; peer audio: {ctx.peer_audio}. With more than one round "
               "a cell is the median (min–max) over the rounds.")
    out.append("")
    out.append("| pair | end | CPU s, call (Dial→ended) | CPU %, steady | wake-ups/s, steady | "
               "CPU s, setup | "
               "peak RSS in call, MiB | RSS idle, MiB | private (USS) idle / in call, MiB | "
               "idle wake-ups: voluntary, all threads (main thread) / involuntary | "
               "threads idle / in call |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        rounds = ok_rounds(results, name)
        for role in ("caller", "callee"):
            if not endpoint_values(rounds, role, "call_cpu_seconds"):
                continue

            def cell(key, fmt):
                return spread(endpoint_values(rounds, role, key), fmt)
            lifetime = not all(endpoint_values(rounds, role, "peak_rss_is_call_only"))
            out.append(
                f"| {name} | {role} | {cell('call_cpu_seconds', lambda v: f'{v:.2f}')} | "
                f"{cell('steady_cpu_percent', lambda v: f'{v:.2f}')} | "
                f"{cell('steady_wakeups_per_second', lambda v: f'{v:.0f}')} | "
                f"{cell('setup_cpu_seconds', lambda v: f'{v:.2f}')} | "
                f"{cell('peak_rss_kb', mib)}{' (lifetime)' if lifetime else ''} | "
                f"{cell('idle_rss_kb', mib)} | "
                f"{cell('idle_uss_kb', mib)} / {cell('call_uss_kb', mib)} | "
                f"{cell('idle_voluntary_switches', num)} "
                f"({cell('idle_main_thread_voluntary_switches', num)}) / "
                f"{cell('idle_involuntary_switches', num)} | "
                f"{cell('threads_idle', num)} / {cell('threads_in_call', num)} |")
    out.append("")
    out.append("PipeWire server CPU s during each call (Dial→ended), for context: " + ", ".join(
        f"{n} " + spread([r["pipewire_server_cpu_seconds"] for r in ok_rounds(results, n)],
                         lambda v: f"{v:.2f}") for n in names))
    out.append("")
    out.append("| pair | Dial→both ends active, s | Dial→first RTP at the caller (wire), s | "
               "Dial→first RTP either way (wire), s | Dial→the caller reports media, s | how |")
    out.append("|---|---|---|---|---|---|")
    for name in names:
        rounds = ok_rounds(results, name)
        if not rounds:
            continue

        def cell(key):
            return spread([r.get(key) for r in rounds], lambda v: f"{v:.3f}")
        out.append(f"| {name} | {cell('dial_to_active')} | {cell('dial_to_first_rtp_at_caller')}"
                   f" | {cell('dial_to_first_rtp_any')} | {cell('dial_to_media_reported')} | "
                   f"{rounds[0].get('media_reported_how')} |")
    out.append("")
    out.append("What was negotiated and sent (first round):")
    out.append("")
    out.append("| pair | offer | answer | RTP to the caller | RTP to the callee | "
               "the caller heard | the callee heard |")
    out.append("|---|---|---|---|---|---|---|")
    for name in names:
        rounds = ok_rounds(results, name)
        if not rounds:
            continue
        r = rounds[0]
        rtp, hd = r.get("rtp", {}), r.get("heard", {})
        out.append(f"| {name} | {sdp_text(r.get('offer'))} | {sdp_text(r.get('answer'))} | "
                   f"{rtp_text(rtp.get('to caller'))} | {rtp_text(rtp.get('to callee'))} | "
                   f"{heard_text(hd.get('caller'))} | {heard_text(hd.get('callee'))} |")
    out.append("")
    confab = ok_rounds(results, "confabd")
    peers = [n for n in names if n != "confabd" and ok_rounds(results, n)]
    if confab and peers:
        out.append("Ratios Confab / peer, per endpoint (the mean of caller and callee), taken "
                   "in each round:")
        out.append("")
        out.append("| measure | " + " | ".join(f"Confab / {p}" for p in peers)
                   + " | Confab / best peer |")
        out.append("|---|" + "---|" * (len(peers) + 1))
        for key, label in (("call_cpu_seconds", "CPU s, call"),
                           ("steady_cpu_percent", "CPU %, steady"),
                           ("steady_wakeups_per_second", "wake-ups/s, steady"),
                           ("peak_rss_kb", "peak RSS in call"),
                           ("idle_rss_kb", "RSS idle"),
                           ("idle_uss_kb", "private (USS) idle"),
                           ("call_uss_kb", "private (USS) in call"),
                           ("idle_voluntary_switches", "idle wake-ups")):
            per_peer = {p: [] for p in peers}
            zeros = set()
            best, best_names = [], set()
            for rnd in sorted({r.get("round", 1) for r in confab}):
                c = next((pair_mean(r, key) for r in confab if r.get("round", 1) == rnd), None)
                values = {}
                for p in peers:
                    v = next((pair_mean(r, key) for r in ok_rounds(results, p)
                              if r.get("round", 1) == rnd), None)
                    if v is not None:
                        values[p] = v
                        if c is not None and v:
                            per_peer[p].append(c / v)
                        elif c == 0 and v == 0:
                            zeros.add(p)
                if c is not None and values:
                    b = min(values, key=values.get)
                    if values[b]:
                        best.append(c / values[b])
                        best_names.add(b)
            cells = [spread(per_peer[p], lambda v: f"{v:.2f}") if per_peer[p] or p not in zeros
                     else "both 0" for p in peers]
            best_cell = (spread(best, lambda v: f"{v:.2f}") if best or not zeros
                         else "both 0")
            if best_names:
                best_cell += f" ({', '.join(sorted(best_names))})"
            out.append(f"| {label} | " + " | ".join(cells) + f" | {best_cell} |")
        out.append("")
    for r in results:
        tag = f"{r['pair']} (round {r.get('round', 1)})"
        if "error" in r:
            out.append(f"- {tag}: FAILED: {r['error']}")
        for n in r.get("notes", []):
            out.append(f"- {tag}: {n}")
    first = {}
    for r in results:
        if "error" not in r and r["pair"] not in first:
            first[r["pair"]] = r
    for name, r in first.items():
        e = r["endpoints"].get("caller", {})
        if e.get("steady_threads"):
            out.append(f"- {name} caller's threads in the steady call (round {r.get('round', 1)}):"
                       " " + "; ".join(
                           f"{t['name']} [{t['tid']}] {t['cpu_seconds']:.2f} s, "
                           f"{t['wakeups_per_second']:g} wake-ups/s"
                           for t in e["steady_threads"] if t["cpu_seconds"] or
                           t["wakeups_per_second"]))
        for key, when in (("idle_rss_top", "idle"), ("call_rss_top", "in the call")):
            if e.get(key):
                out.append(f"- {name} caller's largest resident mappings {when} (KiB): "
                           + ", ".join(f"{m} {kb}" for m, kb in e[key]))
    return "\n".join(out)


# ---- main ----

def confab_source(build):
    """Which source the build directory's confabd comes from: its source directory and, for a
    git checkout, the commit (and whether daemon/ has changes not committed)."""
    try:
        with open(os.path.join(build, "meson-info", "meson-info.json")) as f:
            src = json.load(f)["directories"]["source"]
    except (OSError, KeyError, ValueError):
        return "unknown source"
    git = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    if git.returncode == 0:
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain", "--", "daemon"],
                               capture_output=True, text=True).stdout.strip()
        return f"{src} at {git.stdout.strip()}" + (" with changes in daemon/" if dirty else "")
    try:
        with open(os.path.join(src, ".bench-commit")) as f:
            return f"{src}, an export of {f.read().strip()[:12]}"
    except OSError:
        return src


def in_loopback_netns():
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("CONFAB_BUILD_DIR", "/work/build-bench"),
                    help="confabd build directory (a release build)")
    ap.add_argument("--seconds", type=float, default=30.0, help="call length once active")
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the pairs in turn this many times (the report gives medians)")
    ap.add_argument("--pairs", default="confabd,baresip,linphonec",
                    help="comma-separated, in order: confabd, baresip, linphonec")
    ap.add_argument("--peer-audio", choices=("auto", "pipewire", "files"), default="auto")
    ap.add_argument("--alsa-plugin-dir", help="directory of libasound_module_pcm_pipewire.so")
    ap.add_argument("--workdir", help="where to keep everything (default: a temporary dir)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--perf", help="perf record the calling confabd during its call into FILE")
    ap.add_argument("--perf-callgraph", default="fp", choices=("fp", "dwarf"),
                    help="perf's call graphs: frame pointers (-g) or DWARF unwinding")
    ap.add_argument("--confab-debug", action="store_true",
                    help="confabd with G_MESSAGES_DEBUG=all (for timings; costs CPU)")
    args = ap.parse_args()

    if not in_loopback_netns():
        if os.environ.get(IN_NETNS_ENV):
            sys.exit("call-cpu.py: not in a loopback-only network namespace")
        env = dict(os.environ, **{IN_NETNS_ENV: "1"})
        os.execvpe(NETNS_RUN, [NETNS_RUN, sys.executable, os.path.abspath(__file__)]
                   + sys.argv[1:], env)

    build = os.path.abspath(args.build)
    if not os.access(os.path.join(build, "daemon", "confabd"), os.X_OK):
        sys.exit(f"no confabd in {build}: meson setup {build} {SOURCE_DIR} --buildtype=release "
                 f"&& ninja -C {build}")
    os.environ["CONFAB_BUILD_DIR"] = build
    os.environ.pop("G_MESSAGES_DEBUG", None)
    for sub in ("integration", "interop", "pipewire"):
        sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", sub))
    global pwh
    import pw_harness as pwh

    ctx = Context()
    ctx.seconds = args.seconds
    ctx.idle_seconds = args.idle_seconds
    ctx.perf = os.path.abspath(args.perf) if args.perf else None
    ctx.perf_callgraph = ["-g"] if args.perf_callgraph == "fp" else ["--call-graph", "dwarf"]
    ctx.confab_debug = args.confab_debug
    ctx.started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    with open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    ctx.machine = f"{platform.node()}: {os.cpu_count()} x {model}, Linux {platform.release()}"
    ctx.confab = confab_source(build)
    ctx.alsa_plugin_dir = alsa_plugin_dir(args.alsa_plugin_dir)
    ctx.peer_audio = args.peer_audio
    if ctx.peer_audio == "auto":
        ctx.peer_audio = "pipewire" if ctx.alsa_plugin_dir else "files"
    if ctx.peer_audio == "pipewire" and not ctx.alsa_plugin_dir:
        sys.exit("--peer-audio pipewire needs ALSA's PipeWire plugin (pipewire-alsa): "
                 "install it, or `apt-get download pipewire-alsa && dpkg -x pipewire-alsa_*.deb "
                 "DIR` and pass --alsa-plugin-dir DIR/usr/lib/x86_64-linux-gnu/alsa-lib")
    names = [n.strip() for n in args.pairs.split(",") if n.strip()]
    for n in names:
        if n not in PAIRS:
            sys.exit(f"unknown pair {n!r}")

    ctx.workdir = args.workdir or tempfile.mkdtemp(prefix="confab-bench-")
    os.makedirs(ctx.workdir, exist_ok=True)
    for k in pwh._FOREIGN_ENV:
        os.environ.pop(k, None)
    ctx.pw = pwh.PipeWire(os.path.join(ctx.workdir, "pw"))
    results = []
    try:
        ctx.pw.start()
        os.environ.update(ctx.pw.env())
        ctx.tones = {}
        # Long enough for the idle-free part of a pair's run: set-up, the call, the hangup.
        tone_seconds = args.seconds + 30
        for role, freq in TONES.items():
            ctx.tones[role] = os.path.join(ctx.workdir, f"tone-{role}-{int(freq)}.wav")
            write_tone(ctx.tones[role], freq, tone_seconds)
        for rnd in range(1, args.rounds + 1):
            for n in names:
                ctx.round = rnd
                try:
                    res = run_pair(PAIRS[n], ctx)
                except Exception as exc:  # one pair failing does not lose the others' figures
                    log(f"{n}: failed: {exc}")
                    res = {"pair": n, "error": str(exc), "endpoints": {}}
                res["round"] = rnd
                results.append(res)
    finally:
        ctx.pw.stop()
        text = report(results, ctx) if results else "no results"
        print(text)
        doc = {"started": ctx.started, "machine": ctx.machine, "confabd": ctx.confab,
               "seconds": ctx.seconds,
               "idle_seconds": ctx.idle_seconds, "peer_audio": ctx.peer_audio,
               "rounds": args.rounds,
               "results": results}
        with open(os.path.join(ctx.workdir, "results.json"), "w") as f:
            json.dump(doc, f, indent=1)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
        if args.keep or args.workdir:
            log(f"kept {ctx.workdir}")
        else:
            shutil.rmtree(ctx.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
