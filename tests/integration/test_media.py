# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls carry sound: two confabd daemons, each on its own private bus with its own
XDG directories, both clients of one headless PipeWire (tests/pipewire/pw_harness.py).

    alice: microphone lab_loopmic  (play into lab_mic_in),  speaker lab_sink2
    bob:   microphone lab_loopmic2 (play into lab_mic2_in), speaker lab_sink

A 440 Hz tone goes into alice's microphone and an 880 Hz tone into bob's at the same
time; the monitor of each speaker must carry the other party's tone, and not its own
(which would mean a shortcut through PipeWire rather than RTP between the daemons).

Hold silences the holder (and a held call must not end for want of media: a known bug,
xfail), and a peer whose media stops (its daemon frozen with SIGSTOP) gets the call
ended with media-timeout.

Sound must play for a while, so tones have durations; everything else waits on events:
D-Bus signals, pw-record reporting that it streams, pw-play exiting. The durations are
not checked against the clock: the analysis looks at what was recorded.
"""
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from confab_harness import Peer, call_async, call_props, establish, wait_reply

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipewire"))
import pw_harness as pwh  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("pipewire", "wireplumber", "pw-play", "pw-record")),
    reason="needs pipewire, wireplumber and pw-cat")

A_MIC_IN, A_MIC, A_SPEAKER = "lab_mic_in", "lab_loopmic", "lab_sink2"
B_MIC_IN, B_MIC, B_SPEAKER = "lab_mic2_in", "lab_loopmic2", "lab_sink"
A_TONE, B_TONE = 440.0, 880.0
TONE_SECONDS = 4.0
AMPLITUDE = 0.5                   # of full scale: RMS about 11600
LOUD = 0.1 * 32767                # a sample above this is sound, not codec noise
EDGE = pwh.RATE // 4              # trimmed off both ends of the sound before analysis
# Tone shares are measured over blocks of 100 ms (44 periods of 440 Hz, 88 of 880 Hz):
# a block is long enough to tell the tones apart (10 Hz bins) and short enough that
# the small rate differences between the graph's clocks, and the phase jumps where
# the receiver's jitter buffer conceals or drops a frame, do not smear the tone
# across bins as they do over a whole recording.
BLOCK = pwh.RATE // 10
CLEAN = 0.9                       # a block whose share of the tone is above this is clean
# What a speaker plays when its peer sends silence: Opus decodes digital silence to
# zero or a few LSB; a tone at AMPLITUDE is three orders of magnitude above.
SILENT_RMS = 30.0



def media_extra(source, sink, more=""):
    return f"[media]\naudio-source = {source}\naudio-sink = {sink}\n{more}"


@pytest.fixture
def pw(tmp_path, monkeypatch):
    """A headless PipeWire; the daemons started after it find it through the environment
    (Daemon.env() starts from os.environ)."""
    server = pwh.PipeWire(tmp_path / "pw")
    server.start()
    for k in pwh._FOREIGN_ENV:
        monkeypatch.delenv(k, raising=False)
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    yield server
    server.stop()


@pytest.fixture
def tones(tmp_path):
    a = str(tmp_path / "a-440.wav")
    b = str(tmp_path / "b-880.wav")
    pwh.write_tone_wav(a, A_TONE, TONE_SECONDS, amplitude=AMPLITUDE)
    pwh.write_tone_wav(b, B_TONE, TONE_SECONDS, amplitude=AMPLITUDE)
    return {"a": a, "b": b}


def make_peers(pw, make_daemon, a_more="", b_more=""):
    # pw is set up before make_daemon, so the daemons stop before PipeWire does.
    alice = Peer(make_daemon, "alice", extra=media_extra(A_MIC, A_SPEAKER, a_more))
    bob = Peer(make_daemon, "bob", extra=media_extra(B_MIC, B_SPEAKER, b_more))
    return alice, bob


@pytest.fixture
def peers(pw, make_daemon):
    return make_peers(pw, make_daemon)


def blocks(samples):
    return [samples[i:i + BLOCK] for i in range(0, len(samples) - BLOCK + 1, BLOCK)]


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


class Heard:
    """What a recording holds. Its sound is the span from the first to the last LOUD
    sample, less EDGE at both ends (the receiver's start and the recorder's stop). Of
    that: the RMS level; the frequency, the median of the BLOCKs' estimates (a frame
    that the receiver inserts or drops shifts the phase and so moves an estimate over
    the whole span, which is reported too); and for each given tone its share of the
    energy: the median over the blocks, the largest, and how many blocks are clean."""

    def __init__(self, path, *freqs):
        self.rate, self.samples = pwh.read_wav(path)
        start, end = pwh.active_span(self.samples, LOUD)
        self.sound_seconds = (end - start) / self.rate
        body = self.samples[start + EDGE:end - EDGE] if end - start > 4 * EDGE else []
        self.rms = pwh.rms(body)
        self.total_rms = pwh.rms(self.samples)
        self.peak = max((abs(x) for x in self.samples), default=0)
        self.span_freq = pwh.estimate_frequency(body, self.rate) if body else None
        self.freq = median(pwh.estimate_frequency(blk, self.rate) for blk in blocks(body))
        self.blocks = len(body) // BLOCK
        self.ratio, self.max_ratio, self.clean = {}, {}, {}
        for f in freqs:
            shares = sorted(pwh.tone_ratio(blk, self.rate, f) for blk in blocks(body))
            self.ratio[f] = shares[len(shares) // 2] if shares else 0.0
            self.max_ratio[f] = shares[-1] if shares else 0.0
            self.clean[f] = sum(1 for r in shares if r > CLEAN)

    def __repr__(self):
        ratios = ", ".join(f"{f:g} Hz: median {self.ratio[f]:.3f} max {self.max_ratio[f]:.3f} "
                           f"clean {self.clean[f]}/{self.blocks}" for f in self.ratio)
        freq = (f"{self.freq:.2f} Hz (over the whole span {self.span_freq:.2f} Hz)"
                if self.freq is not None else "none")
        return (f"<{len(self.samples)} samples, sound for {self.sound_seconds:.2f} s, "
                f"frequency {freq}, RMS {self.rms:.0f} (whole recording {self.total_rms:.1f}, "
                f"peak {self.peak}), tone shares in {BLOCK}-sample blocks: {ratios}>")


def play_and_record(pw, tmp_path, name, plays, records):
    """Starts the recorders (each returns once it streams), plays the files at once,
    waits for every player to finish and stops the recorders.
    plays: [(wav, sink)]; records: {key: (node, monitor)} -> {key: wav path}."""
    recorders = {}
    try:
        for key, (node, monitor) in records.items():
            path = str(tmp_path / f"{name}-{key}.wav")
            recorders[key] = pw.record(path, target=node, monitor=monitor)
        players = [pw.play(wav, target=sink, wait=False) for wav, sink in plays]
        for p in players:
            _, err = p.communicate(timeout=pwh.GUARD_SECONDS + TONE_SECONDS)
            assert p.returncode == 0, f"pw-play failed: {err}"
    finally:
        paths = {key: r.stop() for key, r in recorders.items()}
    return paths


def graph_links(pw):
    """The links of the PipeWire graph now, as (output node, its process id, input node,
    its process id); a process id is None for the server's own nodes."""
    out = subprocess.run(["pw-dump"], env=pw.client_env(), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=pwh.GUARD_SECONDS)
    assert out.returncode == 0, out.stderr
    objects = json.loads(out.stdout)
    pids = {o["id"]: o["info"]["props"].get("application.process.id")
            for o in objects if o["type"] == "PipeWire:Interface:Client"}
    nodes = {}
    for o in objects:
        if o["type"] == "PipeWire:Interface:Node":
            props = o["info"]["props"]
            pid = pids.get(props.get("client.id")) if "node.name" in props else None
            nodes[o["id"]] = (props.get("node.name"), int(pid) if pid is not None else None)
    links = []
    for o in objects:
        if o["type"] == "PipeWire:Interface:Link":
            out_name, out_pid = nodes.get(o["info"]["output-node-id"], (None, None))
            in_name, in_pid = nodes.get(o["info"]["input-node-id"], (None, None))
            links.append((out_name, out_pid, in_name, in_pid))
    return links


def assert_routes(pw, alice, bob):
    """Each daemon's streams are linked to its own microphone and speaker, and nothing
    else is linked to those: the sound between them can only have gone by RTP."""
    links = graph_links(pw)
    a_pid, b_pid = alice.daemon.proc.pid, bob.daemon.proc.pid
    for mic, pid in ((A_MIC, a_pid), (B_MIC, b_pid)):
        readers = [(name.startswith("confab-capture-"), p) for out, _, name, p in links
                   if out == mic]
        assert readers == [(True, pid)], (mic, links)
    for speaker, pid in ((A_SPEAKER, a_pid), (B_SPEAKER, b_pid)):
        writers = [(name.startswith("confab-playback-"), p) for name, p, into, _ in links
                   if into == speaker]
        assert writers == [(True, pid)], (speaker, links)


def report(what, heard, peer=None, path=None):
    # Shown with -s (and in a failing test's output): the figures the test measured,
    # and the receiver's own view of the stream.
    print(f"{what}: {heard!r}")
    if peer is not None:
        stats = call_props(peer.daemon, path)["Stats"]
        keys = ("packets-received", "packets-lost", "packets-late", "jitter", "playout-delay",
                "srtp-forged")
        print("    stats: " + ", ".join(f"{k} {stats[k]}" for k in keys if k in stats))


def assert_tone(heard, freq, other):
    assert heard.freq is not None, f"silence where {freq:g} Hz should be: {heard!r}"
    assert heard.freq == pytest.approx(freq, abs=10), heard
    assert heard.rms > 0.25 * AMPLITUDE * 32767 / 2 ** 0.5, heard
    assert heard.ratio[freq] > CLEAN, heard
    # Not the other party's tone: no shortcut from one's own microphone to one's
    # own speaker.
    assert heard.max_ratio[other] < 0.05, heard


def wait_encryption(peer, path, value):
    peer.watch.wait_prop(path, "Encryption", value)
    assert call_props(peer.daemon, path)["Encryption"] == value


def hang_up(alice, bob, a, b):
    alice.call(a).Hangup()
    alice.watch.wait_state(a, "ended")
    bob.watch.wait_state(b, "ended")


def test_both_ways_over_udp(pw, peers, tones, tmp_path):
    alice, bob = peers
    a, b = establish(alice, bob, "udp")
    wait_encryption(alice, a, "unprotected-keys")
    wait_encryption(bob, b, "unprotected-keys")

    rec = play_and_record(pw, tmp_path, "udp",
                          plays=[(tones["a"], A_MIC_IN), (tones["b"], B_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True),
                                   "alice-hears": (A_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    alice_hears = Heard(rec["alice-hears"], A_TONE, B_TONE)
    report("bob's speaker (lab_sink)", bob_hears, bob, b)
    report("alice's speaker (lab_sink2)", alice_hears, alice, a)
    assert_tone(bob_hears, A_TONE, B_TONE)
    assert_tone(alice_hears, B_TONE, A_TONE)
    # Linked then, linked now: the call is still up.
    assert_routes(pw, alice, bob)
    hang_up(alice, bob, a, b)


def test_tls_is_standard_encryption(pw, peers, tones, tmp_path):
    alice, bob = peers
    a, b = establish(alice, bob, "tls")
    wait_encryption(alice, a, "standard")
    wait_encryption(bob, b, "standard")

    rec = play_and_record(pw, tmp_path, "tls",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    report("bob's speaker over TLS", bob_hears, bob, b)
    assert_tone(bob_hears, A_TONE, B_TONE)
    hang_up(alice, bob, a, b)


def test_end_to_end_both_ways(pw, make_daemon, tones, tmp_path):
    """Both turned end-to-end encryption on: ZRTP keys the SRTP (issue 5), the codes
    match, and the tones flow both ways as in a standard call."""
    e2ee = "[privacy]\nend-to-end-encryption = true\n"
    alice, bob = make_peers(pw, make_daemon, a_more=e2ee, b_more=e2ee)
    a, b = establish(alice, bob, "tls")
    wait_encryption(alice, a, "end-to-end")
    wait_encryption(bob, b, "end-to-end")
    pa, pb = call_props(alice.daemon, a), call_props(bob.daemon, b)
    print(f"\nsecurity codes: alice {pa['SecurityCode']}, bob {pb['SecurityCode']}")
    assert pa["SecurityCode"] == pb["SecurityCode"] != ""

    rec = play_and_record(pw, tmp_path, "e2ee",
                          plays=[(tones["a"], A_MIC_IN), (tones["b"], B_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True),
                                   "alice-hears": (A_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    alice_hears = Heard(rec["alice-hears"], A_TONE, B_TONE)
    report("bob's speaker, end-to-end", bob_hears, bob, b)
    report("alice's speaker, end-to-end", alice_hears, alice, a)
    assert_tone(bob_hears, A_TONE, B_TONE)
    assert_tone(alice_hears, B_TONE, A_TONE)
    hang_up(alice, bob, a, b)


def test_mute_silences_the_microphone(pw, peers, tones, tmp_path):
    """Muted, alice's daemon sends silence in place of her microphone (the stream
    goes on: no media timeout at bob's); unmuted, the tone is back."""
    alice, bob = peers
    a, b = establish(alice, bob, "udp")
    alice.call(a).SetMuted(True)
    alice.watch.wait_prop(a, "Muted", True)
    rec = play_and_record(pw, tmp_path, "muted",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True),
                                   "alice-mic": (A_MIC, False)})
    alice_mic = Heard(rec["alice-mic"], A_TONE)
    bob_hears = Heard(rec["bob-hears"], A_TONE)
    report("alice's microphone while muted", alice_mic)
    report("bob's speaker while alice is muted", bob_hears, bob, b)
    assert alice_mic.ratio[A_TONE] > CLEAN, alice_mic   # the tone was there to be sent
    assert bob_hears.total_rms < SILENT_RMS, bob_hears  # and bob heard none of it
    received = call_props(bob.daemon, b)["Stats"]["packets-received"]

    alice.call(a).SetMuted(False)
    alice.watch.wait_prop(a, "Muted", False)
    rec = play_and_record(pw, tmp_path, "unmuted",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    report("bob's speaker after unmute", bob_hears, bob, b)
    assert_tone(bob_hears, A_TONE, B_TONE)
    # Packets kept coming while muted (silence, not a pause).
    assert call_props(bob.daemon, b)["Stats"]["packets-received"] > received > 0
    hang_up(alice, bob, a, b)


def test_hold_silences_the_holder(pw, peers, tones, tmp_path):
    alice, bob = peers
    a, b = establish(alice, bob, "udp")

    wait_reply(call_async(alice.call(a).Hold), "Hold")
    bob.watch.wait_prop(b, "RemoteHeld", True)
    rec = play_and_record(pw, tmp_path, "held",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True),
                                   "alice-mic": (A_MIC, False)})
    alice_mic = Heard(rec["alice-mic"], A_TONE)
    bob_hears = Heard(rec["bob-hears"], A_TONE)
    report("alice's microphone while she holds", alice_mic)
    report("bob's speaker while alice holds", bob_hears)
    # The tone was there to be sent...
    assert alice_mic.freq == pytest.approx(A_TONE, abs=10), alice_mic
    assert alice_mic.ratio[A_TONE] > CLEAN, alice_mic
    # ... and bob heard none of it.
    assert bob_hears.total_rms < SILENT_RMS, bob_hears

    wait_reply(call_async(alice.call(a).Resume), "Resume")
    bob.watch.wait_prop(b, "RemoteHeld", False)
    rec = play_and_record(pw, tmp_path, "resumed",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    report("bob's speaker after resume", bob_hears, bob, b)
    assert_tone(bob_hears, A_TONE, B_TONE)
    hang_up(alice, bob, a, b)


def test_media_timeout(pw, make_daemon, tones, tmp_path):
    alice, bob = make_peers(pw, make_daemon, b_more="media-timeout = 2\n")
    a, b = establish(alice, bob, "udp")

    # Longer than bob's media timeout: while alice sends, the call stays up (and the
    # sound is hers).
    rec = play_and_record(pw, tmp_path, "alive",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE, B_TONE)
    report("bob's speaker before alice stops", bob_hears, bob, b)
    assert_tone(bob_hears, A_TONE, B_TONE)
    assert call_props(bob.daemon, b)["State"] == "active"

    # Alice's daemon freezes: nothing more comes from it.
    alice.daemon.proc.send_signal(signal.SIGSTOP)
    try:
        bob.watch.wait_state(b, "ended")
    finally:
        alice.daemon.proc.send_signal(signal.SIGCONT)
    assert call_props(bob.daemon, b)["EndReason"] == "media-timeout"
    assert bob.history()[0]["end-reason"] == "media-timeout"
    # Bob said goodbye; alice reads it once she runs again.
    alice.watch.wait_state(a, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "remote-hangup"


def test_held_call_outlives_the_media_timeout(pw, make_daemon, tones, tmp_path):
    """The held party gets no media, by design: that is no reason to hang up."""
    alice, bob = make_peers(pw, make_daemon, b_more="media-timeout = 2\n")
    a, b = establish(alice, bob, "udp")
    wait_reply(call_async(alice.call(a).Hold), "Hold")
    bob.watch.wait_prop(b, "RemoteHeld", True)
    # Held for longer than bob's media timeout.
    rec = play_and_record(pw, tmp_path, "held",
                          plays=[(tones["a"], A_MIC_IN)],
                          records={"bob-hears": (B_SPEAKER, True)})
    bob_hears = Heard(rec["bob-hears"], A_TONE)
    report("bob's speaker while alice holds", bob_hears)
    assert bob_hears.total_rms < SILENT_RMS, bob_hears
    props = call_props(bob.daemon, b)
    assert props["State"] == "active", f"bob's held call ended: {props['EndReason']}"
    wait_reply(call_async(alice.call(a).Resume), "Resume")
    bob.watch.wait_prop(b, "RemoteHeld", False)
    hang_up(alice, bob, a, b)
