# SPDX-License-Identifier: GPL-3.0-or-later
"""A headless PipeWire for tests: pipewire + wireplumber on a private runtime directory.

    with pw_harness.PipeWire() as pw:          # or PipeWire(tmp_path).start() ... .stop()
        env = dict(os.environ, **pw.env())     # for any PipeWire client: confabd, pw-cat, a C test
        pw_harness.write_tone_wav(path, 440, 2.0)
        rec = pw.record(out_path)              # lab_sink's monitor: what the speaker played
        pw.play(path)                          # into lab_mic_in: out of the lab_loopmic source
        rec.stop()
        rate, samples = pw_harness.read_wav(out_path)
        assert abs(pw_harness.estimate_frequency(samples, rate) - 440) < 5

The server runs tests/pipewire/confab-test-pipewire.conf (complete, so nothing under
/etc or ~/.config changes it): a null sink "lab_sink" (the default sink: the speaker)
and a loopback whose input sink is "lab_mic_in" and whose output source is
"lab_loopmic" (the default source: the microphone). WirePlumber gets its own
dbus-daemon (a session bus with no activatable services), XDG_CONFIG_HOME and
XDG_STATE_HOME, so that no state leaks between runs. The graph's quantum is at least
1024 samples: tests run without realtime scheduling, many at once.

Clients find the server through PIPEWIRE_RUNTIME_DIR (see env()), which PipeWire
prefers to XDG_RUNTIME_DIR: a confabd with its own XDG_RUNTIME_DIR still reaches it.

Readiness is awaited by polling (the socket, then `pw-metadata 0 default.audio.sink`
until it names lab_sink) under a guard that only turns a hang into an error; there
are no fixed sleeps.

Run as a script it wraps a command (the way meson runs test-audio-device):
    pw_harness.py [--keep] -- COMMAND ARGS...
starts PipeWire, runs COMMAND with env() added to its environment (and
CF_TEST_PIPEWIRE_PID, the server's pid, and a TMPDIR inside the harness's directory),
passes its stdout through, stops PipeWire and exits with COMMAND's status.

No numpy here: the analysis helpers (Goertzel, zero crossings) are plain Python.
"""
import contextlib
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "confab-test-pipewire.conf")

SINK = "lab_sink"          # the speaker (null sink; record its monitor)
MIC_IN = "lab_mic_in"      # play into this sink ...
MIC = "lab_loopmic"        # ... and it comes out of this source
RATE = 48000

GUARD_SECONDS = 60         # hang guard, never an expectation
POLL_SECONDS = 0.02        # how often readiness of an external process is polled

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# Variables of the caller's environment that would point PipeWire or WirePlumber
# elsewhere than at this instance.
_FOREIGN_ENV = (
    "PIPEWIRE_REMOTE", "PIPEWIRE_CONFIG_DIR", "PIPEWIRE_CONFIG_NAME", "PIPEWIRE_CONFIG_PREFIX",
    "PIPEWIRE_RUNTIME_DIR", "PIPEWIRE_NODE", "PIPEWIRE_PROPS", "PULSE_SERVER",
    "WIREPLUMBER_CONFIG_DIR", "WIREPLUMBER_DATA_DIR", "WIREPLUMBER_MODULE_DIR",
    "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SYSTEM_BUS_ADDRESS",
)


class HarnessError(AssertionError):
    pass


def _log(msg):
    print(f"pw_harness: {msg}", file=sys.stderr, flush=True)


class PipeWire:
    """pipewire + wireplumber + their dbus-daemon, in a directory of their own."""

    def __init__(self, directory=None):
        self._own_dir = directory is None
        self.dir = tempfile.mkdtemp(prefix="confab-pw-") if directory is None else str(directory)
        self.runtime_dir = os.path.join(self.dir, "runtime")
        self.config_home = os.path.join(self.dir, "config")
        self.state_home = os.path.join(self.dir, "state")
        self.bus_dir = os.path.join(self.dir, "bus")
        self.bus_address = None
        self.dbus = self.pipewire = self.wireplumber = None
        self._logs = []

    # -- environment --

    def env(self):
        """What a client needs to reach this PipeWire (add it to its environment)."""
        return {"PIPEWIRE_RUNTIME_DIR": self.runtime_dir}

    def _server_env(self):
        env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
        env.update({
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "PIPEWIRE_RUNTIME_DIR": self.runtime_dir,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_STATE_HOME": self.state_home,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
        })
        return env

    def client_env(self):
        """A whole environment for a PipeWire tool (pw-play, pw-record, ...)."""
        env = self._server_env()
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        return env

    # -- life cycle --

    def _spawn(self, name, argv, env):
        log = open(os.path.join(self.dir, name + ".log"), "w")
        self._logs.append(log)
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name + ".log")) as f:
                return f.read()
        except OSError:
            return ""

    def _wait(self, predicate, what, proc=None, name=None):
        deadline = time.monotonic() + GUARD_SECONDS
        while not predicate():
            if proc is not None and proc.poll() is not None:
                raise HarnessError(f"{name} exited with {proc.returncode} before {what}:\n"
                                   + self.log(name))
            if time.monotonic() > deadline:
                raise HarnessError(f"gave up waiting for {what}:\n" + self.log(name or ""))
            time.sleep(POLL_SECONDS)

    def _start_bus(self):
        os.makedirs(self.bus_dir, exist_ok=True)
        conf = os.path.join(self.bus_dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG.format(dir=self.bus_dir))
        self.dbus = subprocess.Popen(
            ["dbus-daemon", "--config-file", conf, "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True)
        self.bus_address = self.dbus.stdout.readline().strip()
        if not self.bus_address:
            raise HarnessError("dbus-daemon printed no address")

    def metadata(self, key):
        r = subprocess.run(["pw-metadata", "0", key], env=self.client_env(),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        return r.stdout if r.returncode == 0 else ""

    def start(self):
        for d in (self.runtime_dir, self.config_home, self.state_home):
            os.makedirs(d, mode=0o700, exist_ok=True)
        os.chmod(self.runtime_dir, 0o700)
        try:
            self._start_bus()
            env = self._server_env()
            self.pipewire = self._spawn("pipewire", ["pipewire", "-c", CONFIG], env)
            socket_path = os.path.join(self.runtime_dir, "pipewire-0")
            self._wait(lambda: os.path.exists(socket_path), "the PipeWire socket",
                       self.pipewire, "pipewire")
            self.wireplumber = self._spawn("wireplumber", ["wireplumber"], env)
            # WirePlumber has linked the graph's defaults: the session is ready.
            self._wait(lambda: f'"{SINK}"' in self.metadata("default.audio.sink")
                       and f'"{MIC}"' in self.metadata("default.audio.source"),
                       "WirePlumber to choose lab_sink and lab_loopmic as defaults",
                       self.wireplumber, "wireplumber")
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def pid(self):
        return self.pipewire.pid if self.pipewire else None

    def stop(self, keep=False):
        for proc in (self.wireplumber, self.pipewire, self.dbus):
            if proc is None:
                continue
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=GUARD_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.dbus is not None and self.dbus.stdout is not None:
            self.dbus.stdout.close()
        self.wireplumber = self.pipewire = self.dbus = None
        for log in self._logs:
            log.close()
        self._logs = []
        if self._own_dir and not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- sound in and out --

    def play(self, wav_path, target=MIC_IN, wait=True):
        """Plays a WAV file into a sink (by default into the virtual microphone).
        wait=False returns the running subprocess.Popen."""
        argv = ["pw-play", "--target", target, wav_path]
        proc = subprocess.Popen(argv, env=self.client_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not wait:
            return proc
        _, err = proc.communicate(timeout=GUARD_SECONDS + wav_seconds(wav_path))
        if proc.returncode != 0:
            raise HarnessError(f"pw-play failed ({proc.returncode}): {err}")
        return proc

    def record(self, wav_path, target=SINK, monitor=True):
        """Starts recording a node to a mono 48 kHz s16 WAV file: by default the monitor of
        lab_sink, i.e. what was played to the speaker. Returns once the recording stream
        is linked and running; stop it with .stop()."""
        return Recorder(self, wav_path, target, monitor)


class Recorder:
    """A pw-record process, streaming once constructed."""

    def __init__(self, pw, wav_path, target, monitor):
        self.path = wav_path
        # stdbuf: line-buffered stdout, so that the state changes arrive when they happen.
        argv = ["stdbuf", "-oL", "pw-record", "-v", "--target", target,
                "--rate", str(RATE), "--channels", "1", "--format", "s16"]
        if monitor:
            argv += ["-P", "{ stream.capture.sink = true }"]
        argv.append(wav_path)
        self.proc = subprocess.Popen(argv, env=pw.client_env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = []
        self._streaming = threading.Event()
        # Keeps reading, so that pw-record never blocks on a full pipe.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # pw-record -v reports its state changes: "... paused -> streaming".
        deadline = time.monotonic() + GUARD_SECONDS
        while not self._streaming.wait(POLL_SECONDS):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HarnessError("pw-record never streamed:\n" + "".join(self.output))

    def _read(self):
        for line in self.proc.stdout:
            self.output.append(line)
            if "-> streaming" in line:
                self._streaming.set()

    def stop(self):
        """Stops the recording (SIGINT: pw-record finishes the WAV header) and returns the path."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=GUARD_SECONDS)
        self._reader.join(timeout=GUARD_SECONDS)
        self.proc.stdout.close()
        return self.path


# -- WAV files --

def write_tone_wav(path, freq, seconds, rate=RATE, amplitude=0.5):
    """A mono s16 WAV file of a sine tone; amplitude relative to full scale."""
    n = int(round(seconds * rate))
    peak = amplitude * 32767
    samples = [int(round(peak * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)]
    write_wav(path, samples, rate)


def write_wav(path, samples, rate=RATE):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def read_wav(path):
    """(rate, samples of the first channel as ints) of a 16-bit PCM WAV file."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise HarnessError(f"{path}: {8 * w.getsampwidth()}-bit samples, expected 16")
        channels = w.getnchannels()
        rate = w.getframerate()
        data = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data[:len(data) // 2 * 2])
    return rate, list(samples[::channels])


def wav_seconds(path):
    with wave.open(path, "rb") as w:
        return w.getnframes() / w.getframerate()


# -- analysis (pure Python) --

def rms(samples):
    if not samples:
        return 0.0
    return math.sqrt(sum(x * x for x in samples) / len(samples))


def active_span(samples, threshold):
    """(first, last + 1): the span from the first to the last sample whose magnitude
    exceeds threshold; (0, 0) if none does."""
    first = next((i for i, x in enumerate(samples) if abs(x) > threshold), None)
    if first is None:
        return 0, 0
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > threshold)
    return first, last + 1


def goertzel_power(samples, rate, freq):
    """|X(freq)|^2 of the block (Goertzel's recurrence), for any freq, not only bins."""
    w = 2 * math.pi * freq / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def tone_ratio(samples, rate, freq):
    """The share of the block's energy at freq: about 1 for a pure tone at freq (over a
    whole number of periods), about 0 when there is no such component. Parseval: a
    sine of amplitude A over N samples has |X|^2 = (A N / 2)^2 and energy A^2 N / 2."""
    energy = sum(float(x) * x for x in samples)
    if energy == 0:
        return 0.0
    return 2 * goertzel_power(samples, rate, freq) / (len(samples) * energy)


def estimate_frequency(samples, rate, threshold=None):
    """Frequency of the dominant tone by zero crossings (rising, linearly interpolated)
    over the active part of the signal. None if there are fewer than two crossings.
    threshold: magnitude that marks the active part (default: a tenth of the peak)."""
    if not samples:
        return None
    peak = max(abs(x) for x in samples)
    if peak == 0:
        return None
    start, end = active_span(samples, peak / 10 if threshold is None else threshold)
    crossings = []
    for i in range(start + 1, end):
        a, b = samples[i - 1], samples[i]
        if a < 0 <= b:
            crossings.append(i - 1 + (-a) / (b - a))
    if len(crossings) < 2:
        return None
    return (len(crossings) - 1) * rate / (crossings[-1] - crossings[0])


@contextlib.contextmanager
def running(directory=None):
    """A started PipeWire for a with-block (pytest: use it in a fixture)."""
    pw = PipeWire(directory)
    pw.start()
    try:
        yield pw
    finally:
        pw.stop()


def main(argv):
    keep = False
    if argv and argv[0] == "--keep":
        keep, argv = True, argv[1:]
    if not argv or argv[0] != "--" or len(argv) < 2:
        print("usage: pw_harness.py [--keep] -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    pw = PipeWire()
    try:
        pw.start()
    except HarnessError as e:
        _log(str(e))
        pw.stop()
        return 1
    try:
        env = dict(os.environ)
        for k in _FOREIGN_ENV:
            env.pop(k, None)
        env.update(pw.env())
        env["CF_TEST_PIPEWIRE_PID"] = str(pw.pid)
        # The command's temporary files go with the harness's directory, even
        # when it dies before it can remove them.
        env["TMPDIR"] = os.path.join(pw.dir, "tmp")
        os.makedirs(env["TMPDIR"], exist_ok=True)
        rc = subprocess.call(argv[1:], env=env)
    finally:
        pw.stop(keep=keep)
        if keep:
            _log(f"kept {pw.dir}")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
