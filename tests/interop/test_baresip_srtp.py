# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd and baresip (Debian baresip-core 1.0) in a real encrypted audio
call: SRTP keyed by SDES (RFC 4568) on both sides, tones both ways.

baresip's account has ;mediaenc=srtp-mand (its srtp module: SDES, RTP/SAVP
only, no call without SRTP). What works for its sound in this version:
- source: the aufile module plays a WAV whose format is exactly the codec's
  (48 kHz, 2 channels, s16 for Opus), here a 440 Hz tone. At the end of the
  file it reports an audio error and baresip hangs the call up (BYE), so the
  file must outlast the call.
- recording: baresip 1.0's aufile has no player (`audio_player aufile,...`
  does not exist here). The sndfile module is an audio filter between the
  codec and the device (its log: "audio rx pipeline: aubridge <--- sndfile
  <--- opus"): it writes what baresip decodes to snd_path/dump-<local
  time>-dec.wav and what it encodes to ...-enc.wav, one pair per call, with
  the WAV sizes filled in when the call closes. The player itself is an
  aubridge device with nothing on its other end, as in test_baresip.py.
- not loaded: ice (baresip then ignores confabd's candidates and confabd
  uses the m= line's address); rtcp_mux is off, so RTCP goes to port + 1.

confabd's sound goes through a headless PipeWire (tests/pipewire/pw_harness.py):
its microphone is lab_loopmic (a 880 Hz tone is played into lab_mic_in) and
its speaker lab_sink (whose monitor is recorded). Each direction is thus
heard by the receiving side's own decoder: baresip's 440 Hz on lab_sink,
confabd's 880 Hz in baresip's dump.

Both directions of call set-up, over UDP and TCP signaling, with and without
[media] allow-plain-rtp on confabd (with it confabd offers RTP/AVP carrying
a=crypto, which baresip refuses: see BEST_EFFORT_REJECTED). Everything waits
on events (D-Bus signals, ctrl_tcp events, baresip's log, pw-record
streaming, pw-play exiting, the dump being finalised); the only durations
are the tones'. The measured figures are printed (-s).
"""
import array
import math
import os
import re
import shutil
import sys
import wave

import dbus
import pytest

from confab_harness import call_iface, call_props, dial, wait_until
from interop_harness import Baresip, wait_incoming, wait_state

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipewire"))
import pw_harness as pwh  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("pipewire", "wireplumber", "pw-play", "pw-record")),
    reason="needs pipewire, wireplumber and pw-cat")

MIC_IN, MIC, SPEAKER = pwh.MIC_IN, pwh.MIC, pwh.SINK   # confabd's sound devices
BS_TONE, CF_TONE = 440.0, 880.0   # what baresip sends, what confabd's microphone hears
TONE_SECONDS = 4.0
# baresip's source plays from the call's start and hangs up at its end: long
# enough to still play while confabd's speaker is recorded, whatever the call's
# set-up took (a guard, like GUARD_SECONDS, not an expectation).
BS_SOURCE_SECONDS = 60.0
AMPLITUDE = 0.5                   # of full scale
LOUD = 0.1 * 32767                # a sample above this is sound, not codec noise
EDGE = pwh.RATE // 4              # trimmed off both ends of the sound
BLOCK = pwh.RATE // 10            # analysis blocks of 100 ms (10 Hz bins)
CLEAN = 0.9                       # share of a block's energy at the tone: a clean tone

SRTP_MODULES = ("srtp.so", "aufile.so", "sndfile.so")


def write_stereo_tone(path, freq, seconds, amplitude=AMPLITUDE, rate=pwh.RATE):
    """A 48 kHz stereo s16 WAV of a sine tone, the same on both channels."""
    n = int(round(seconds * rate))
    peak = amplitude * 32767
    step = 2 * math.pi * freq / rate
    mono = array.array("h", (int(round(peak * math.sin(step * i))) for i in range(n)))
    frames = array.array("h", bytes(4 * n))
    frames[0::2] = mono
    frames[1::2] = mono
    if sys.byteorder != "little":
        frames.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


class Heard:
    """What a recording holds: its sound is the span from the first to the last
    LOUD sample, less EDGE at both ends. Of that: the RMS level, the frequency
    (the median of the 100 ms blocks' zero-crossing estimates), and for each
    given tone its share of the energy (median over the blocks, and the largest)."""

    def __init__(self, path, *freqs):
        self.path = path
        self.rate, self.samples = pwh.read_wav(path)
        start, end = pwh.active_span(self.samples, LOUD)
        self.sound_seconds = (end - start) / self.rate
        body = self.samples[start + EDGE:end - EDGE] if end - start > 4 * EDGE else []
        blocks = [body[i:i + BLOCK] for i in range(0, len(body) - BLOCK + 1, BLOCK)]
        self.rms = pwh.rms(body)
        self.freq = median(pwh.estimate_frequency(b, self.rate) for b in blocks)
        self.blocks = len(blocks)
        self.ratio, self.max_ratio = {}, {}
        for f in freqs:
            shares = sorted(pwh.tone_ratio(b, self.rate, f) for b in blocks)
            self.ratio[f] = shares[len(shares) // 2] if shares else 0.0
            self.max_ratio[f] = shares[-1] if shares else 0.0

    def __repr__(self):
        freq = f"{self.freq:.2f} Hz" if self.freq is not None else "none"
        ratios = ", ".join(f"{f:g} Hz: median {self.ratio[f]:.3f} max {self.max_ratio[f]:.3f}"
                           for f in self.ratio)
        return (f"<{os.path.basename(self.path)}: {self.rate} Hz, sound for "
                f"{self.sound_seconds:.2f} s, frequency {freq}, RMS {self.rms:.0f}, "
                f"{self.blocks} blocks, tone shares: {ratios}>")


def assert_tone(heard, freq, other):
    assert heard.freq is not None, f"silence where {freq:g} Hz should be: {heard!r}"
    assert heard.freq == pytest.approx(freq, abs=10), heard
    assert heard.rms > 0.25 * AMPLITUDE * 32767 / 2 ** 0.5, heard
    assert heard.ratio[freq] > CLEAN, heard
    assert heard.max_ratio[other] < 0.05, heard


def wav_complete(path):
    """libsndfile writes a WAV's sizes when it closes the file: until then the
    header counts no frames."""
    try:
        with wave.open(path, "rb") as w:
            frames, width = w.getnframes(), w.getnchannels() * w.getsampwidth()
    except (OSError, EOFError, wave.Error):
        return False
    size = os.path.getsize(path)
    return frames > 0 and frames * width < size <= frames * width + 4096


def sdp_of(message):
    return message.split("\n\n", 1)[1] if "\n\n" in message else ""


def cseq_method(message):
    m = re.search(r"^CSeq: *\d+ +(\S+)", message, re.M | re.I)
    return m.group(1) if m else None


def audio_line(sdp):
    m = re.search(r"^m=audio (\d+) (\S+) ", sdp, re.M)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def cryptos(sdp):
    """(tag, suite) of each a=crypto line."""
    return [(int(t), s) for t, s in re.findall(r"^a=crypto:(\d+) (\S+) ", sdp, re.M)]


@pytest.fixture
def pw(tmp_path, monkeypatch):
    """A headless PipeWire; confabd, started after it, finds it through the
    environment (Daemon.env() starts from os.environ)."""
    server = pwh.PipeWire(tmp_path / "pw")
    server.start()
    for k in pwh._FOREIGN_ENV:
        monkeypatch.delenv(k, raising=False)
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    yield server
    server.stop()


@pytest.fixture
def setup(pw, make_confab, peers, tmp_path):
    """setup(plain_rtp, answermode) -> (confab, baresip): confabd "alice" with
    lab_loopmic and lab_sink, baresip "bob" with SRTP mandatory, sending its
    tone. pw is set up first, so confabd and baresip stop before PipeWire."""
    def make(plain_rtp, answermode):
        bs_wav = str(tmp_path / "bs-440-stereo.wav")
        write_stereo_tone(bs_wav, BS_TONE, BS_SOURCE_SECONDS)
        pwh.write_tone_wav(cf_tone_path(tmp_path), CF_TONE, TONE_SECONDS, amplitude=AMPLITUDE)
        confab = make_confab("alice", plain_rtp=plain_rtp,
                             extra=f"[media]\naudio-source = {MIC}\naudio-sink = {SPEAKER}\n")
        bs = Baresip(tmp_path / "baresip", "bob", f"mediaenc=srtp-mand;answermode={answermode}",
                     audio_source=f"aufile,{bs_wav}", modules=SRTP_MODULES)
        peers.append(bs)
        return confab, bs
    return make


def cf_tone_path(tmp_path):
    return str(tmp_path / "cf-880.wav")


def wait_active(confab, path, bs):
    """Waits for the call to be active on confabd; fails at once, with the
    reason, if it ends instead (or baresip dies)."""
    def reached():
        bs.check_running()
        state = confab.watch.get(path, "State")
        if state == "ended" or path in confab.watch.removed:
            raise AssertionError(f"the call ended: {confab.watch.get(path, 'EndReason')!r} "
                                 f"(states {list(map(str, confab.watch.states(path)))})")
        return state == "active"
    wait_until(reached, f"{path} active on confabd")


def check_srtp(confab, path, bs):
    """Both sides say the call's media are SRTP keyed by SDES: confabd's
    Encryption, baresip's CALL_MENC event (MENC_EVENT_SECURE = 0) and its
    srtp module's log line. Returns the crypto suite that baresip uses."""
    confab.watch.wait_prop(path, "Encryption", "unprotected-keys")
    assert call_props(confab.daemon, path)["Encryption"] == "unprotected-keys"
    menc = bs.wait_event("CALL_MENC")
    secure, media, suite = menc["param"].split(",")
    assert (secure, media) == ("0", "audio"), menc
    logged = bs.wait_line(r"srtp: audio: SRTP is Enabled \(cryptosuite=(\S+)\)").group(1)
    assert logged == suite, (logged, menc)
    return suite


def exchange_tones(pw, confab, path, bs, tmp_path):
    """While baresip's 440 Hz plays into the call, records confabd's speaker
    and plays 880 Hz into confabd's microphone; confabd hangs up. Returns what
    confabd's speaker played, what baresip decoded, and confabd's Stats."""
    rec = pw.record(str(tmp_path / "confab-hears.wav"), target=SPEAKER, monitor=True)
    try:
        pw.play(cf_tone_path(tmp_path), target=MIC_IN)
    finally:
        rec.stop()
    stats = call_props(confab.daemon, path)["Stats"]
    mark = bs.ctrl.mark()
    call_iface(confab.daemon, path).Hangup()
    wait_state(confab.watch, path, "ended", bs)
    bs.wait_event("CALL_CLOSED", mark)
    wait_until(lambda: len(bs.dumps("dec")) == 1 and wav_complete(bs.dumps("dec")[0]),
               "baresip's sndfile dump of the call's decoded audio")
    confab_hears = Heard(rec.path, BS_TONE, CF_TONE)
    baresip_hears = Heard(bs.dumps("dec")[0], CF_TONE, BS_TONE)
    print(f"\nconfabd's speaker (lab_sink): {confab_hears!r}")
    print("    confabd's Stats: " + ", ".join(
        f"{k} {stats[k]}" for k in ("codec", "packets-received", "packets-lost", "srtp-forged",
                                    "jitter") if k in stats))
    print(f"baresip's decoder (sndfile dump): {baresip_hears!r}")
    return confab_hears, baresip_hears, stats


def check_media(confab_hears, baresip_hears, stats, bs):
    assert_tone(confab_hears, BS_TONE, CF_TONE)
    assert_tone(baresip_hears, CF_TONE, BS_TONE)
    assert stats["packets-received"] > 0 and stats["srtp-forged"] == 0, stats
    assert not bs.find(r"srtp: failed to (de|en)crypt"), bs.find(r"srtp: failed to (de|en)crypt")


# RFC 4568 section 6: "SRTP security descriptions MUST only be used with the SRTP
# transport (e.g., "RTP/SAVP" or "RTP/SAVPF")". With allow-plain-rtp confabd offers
# a=crypto on RTP/AVP ("best effort" SRTP, so that a peer without SRTP can still
# answer). baresip with srtp-mand speaks RTP/SAVP only: it rejects the RTP/AVP
# stream with 488 Not Acceptable Here, and confabd then offers the same keys on
# RTP/SAVP, once.
CASES = [
    pytest.param(True, "udp", id="plain-allowed-udp"),
    pytest.param(False, "udp", id="srtp-only-udp"),
    pytest.param(False, "tcp", id="srtp-only-tcp"),
]


@pytest.mark.parametrize("plain_rtp,transport", CASES)
def test_confab_calls_baresip(setup, pw, tmp_path, plain_rtp, transport):
    """confabd dials; baresip answers by itself (answermode=auto)."""
    confab, bs = setup(plain_rtp, "auto")

    path = dial(confab.daemon, bs.uri(transport))
    invite = bs.wait_received(confab.port, "INVITE ")[0]
    _, proto = audio_line(sdp_of(invite))
    assert proto == ("RTP/AVP" if plain_rtp else "RTP/SAVP"), invite
    offered = cryptos(sdp_of(invite))
    if plain_rtp:
        # refused, then the same keys on RTP/SAVP
        refused = [m for m in bs.wait_sent(confab.port, "SIP/2.0 488") if cseq_method(m) == "INVITE"]
        assert refused, "baresip srtp-mand should refuse RTP/AVP"
        invites = bs.wait_received(confab.port, "INVITE ", count=2)
        _, proto = audio_line(sdp_of(invites[1]))
        assert proto == "RTP/SAVP", invites[1]
        assert cryptos(sdp_of(invites[1])) == offered
    assert [s for _, s in offered] == ["AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80"], invite
    wait_active(confab, path, bs)
    bs.wait_event("CALL_ESTABLISHED")
    suite = check_srtp(confab, path, bs)

    answer = [m for m in bs.wait_sent(confab.port, "SIP/2.0 200")
              if cseq_method(m) == "INVITE"][0]
    port, answered_proto = audio_line(sdp_of(answer))
    assert port and answered_proto == "RTP/SAVP", answer
    answered = cryptos(sdp_of(answer))
    assert len(answered) == 1 and answered[0] in offered, (offered, answer)
    assert answered[0][1] == suite, (suite, answer)
    print(f"\nconfabd offered {proto} over {transport}; baresip answered {answered_proto} "
          f"with {answered[0]}")

    check_media(*exchange_tones(pw, confab, path, bs, tmp_path), bs)


@pytest.mark.parametrize("plain_rtp,transport", CASES)
def test_baresip_calls_confab(setup, pw, tmp_path, plain_rtp, transport):
    """baresip dials (ctrl_tcp); confabd's user answers over D-Bus."""
    confab, bs = setup(plain_rtp, "manual")

    assert bs.command("dial", confab.uri(transport)).get("ok", True)
    path = wait_incoming(confab.watch, bs)
    bs.wait_event("CALL_RINGING")
    call_iface(confab.daemon, path).Answer(dbus.Dictionary({}, signature="sv"))
    wait_active(confab, path, bs)
    bs.wait_event("CALL_ESTABLISHED")
    suite = check_srtp(confab, path, bs)

    invite = bs.wait_sent(confab.port, "INVITE ")[0]
    _, proto = audio_line(sdp_of(invite))
    assert proto == "RTP/SAVP", invite
    offered = cryptos(sdp_of(invite))
    ok = [m for m in bs.wait_received(confab.port, "SIP/2.0 200")
          if cseq_method(m) == "INVITE"][0]
    _, answered_proto = audio_line(sdp_of(ok))
    assert answered_proto == "RTP/SAVP", ok
    answered = cryptos(sdp_of(ok))
    assert len(answered) == 1 and answered[0] in offered, (offered, ok)
    assert answered[0][1] == suite, (suite, ok)
    print(f"\nbaresip offered {offered} over {transport}; confabd answered {answered[0]}")

    check_media(*exchange_tones(pw, confab, path, bs, tmp_path), bs)
