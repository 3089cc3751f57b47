# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless PipeWire harness: its pure-Python analysis, and sound through the lab graph."""
import math
import os
import random

import pytest

import pw_harness as h


def sine(freq, n, amplitude=10000, rate=h.RATE, phase=0.0):
    return [int(round(amplitude * math.sin(2 * math.pi * freq * i / rate + phase)))
            for i in range(n)]


# -- analysis --

@pytest.mark.parametrize("freq", [300.0, 440.0, 1000.0, 3150.0])
def test_estimate_frequency(freq):
    assert h.estimate_frequency(sine(freq, 24000, phase=0.3), h.RATE) == pytest.approx(freq,
                                                                                       abs=0.05)


def test_estimate_frequency_with_noise_and_silence_around():
    rng = random.Random(7)
    signal = [0] * 5000 + [x + rng.randint(-300, 300) for x in sine(440, 24000)] + [0] * 5000
    assert h.estimate_frequency(signal, h.RATE) == pytest.approx(440, abs=1.0)


def test_estimate_frequency_nothing():
    assert h.estimate_frequency([], h.RATE) is None
    assert h.estimate_frequency([0] * 1000, h.RATE) is None


def test_tone_ratio():
    tone = sine(440, 4800)  # 44 whole periods
    assert h.tone_ratio(tone, h.RATE, 440) == pytest.approx(1.0, abs=0.01)
    assert h.tone_ratio(tone, h.RATE, 660) < 0.01
    assert h.tone_ratio(sine(880, 4800), h.RATE, 440) < 0.01
    mix = [a + b for a, b in zip(sine(440, 4800), sine(1000, 4800))]
    assert h.tone_ratio(mix, h.RATE, 440) == pytest.approx(0.5, abs=0.02)
    assert h.tone_ratio([0] * 100, h.RATE, 440) == 0.0


def test_rms_and_span():
    assert h.rms(sine(440, 4800, amplitude=1000)) == pytest.approx(1000 / math.sqrt(2), rel=0.01)
    assert h.active_span([0, 1, 50, 0, -60, 2, 0], 10) == (2, 5)
    assert h.active_span([0, 1, 2], 10) == (0, 0)


def test_wav_round_trip(tmp_path):
    path = str(tmp_path / "t.wav")
    h.write_tone_wav(path, 440, 0.5, amplitude=0.25)
    assert h.wav_seconds(path) == pytest.approx(0.5)
    rate, samples = h.read_wav(path)
    assert rate == h.RATE
    assert len(samples) == 24000
    assert max(samples) == pytest.approx(0.25 * 32767, abs=1)
    assert h.estimate_frequency(samples, rate) == pytest.approx(440, abs=0.05)


# -- the live graph --

@pytest.fixture(scope="module")
def pw(tmp_path_factory):
    with h.running(tmp_path_factory.mktemp("pw")) as server:
        yield server


def test_defaults(pw):
    assert '"lab_sink"' in pw.metadata("default.audio.sink")
    assert '"lab_loopmic"' in pw.metadata("default.audio.source")
    assert os.path.exists(os.path.join(pw.env()["PIPEWIRE_RUNTIME_DIR"], "pipewire-0"))


def test_mic_loopback(pw, tmp_path):
    tone = str(tmp_path / "tone.wav")
    out = str(tmp_path / "mic.wav")
    h.write_tone_wav(tone, 440, 1.0)
    rec = pw.record(out, target=h.MIC, monitor=False)
    pw.play(tone)                      # into lab_mic_in
    rec.stop()
    rate, samples = h.read_wav(out)
    start, end = h.active_span(samples, 0.25 * 32767)
    assert end - start > rate // 2
    assert h.estimate_frequency(samples[start:end], rate) == pytest.approx(440, abs=1)
    assert h.tone_ratio(samples[start:end], rate, 440) > 0.95


def test_sink_monitor(pw, tmp_path):
    tone = str(tmp_path / "tone.wav")
    out = str(tmp_path / "speaker.wav")
    h.write_tone_wav(tone, 1000, 1.0)
    rec = pw.record(out)               # lab_sink's monitor
    pw.play(tone, target=h.SINK)
    rec.stop()
    rate, samples = h.read_wav(out)
    start, end = h.active_span(samples, 0.25 * 32767)
    assert end - start > rate // 2
    assert h.estimate_frequency(samples[start:end], rate) == pytest.approx(1000, abs=1)
    assert h.tone_ratio(samples[start:end], rate, 440) < 0.01


def test_silence_when_nothing_plays(pw, tmp_path):
    out = str(tmp_path / "quiet.wav")
    rec = pw.record(out)
    # Something else must happen for audio time to pass: a silent file played elsewhere.
    silent = str(tmp_path / "silent.wav")
    h.write_wav(silent, [0] * 24000)
    pw.play(silent, target=h.MIC_IN)
    rec.stop()
    rate, samples = h.read_wav(out)
    assert len(samples) > 0
    assert h.rms(samples) == 0.0


def test_stop_twice_and_restart(tmp_path):
    pw = h.PipeWire(tmp_path / "again")
    pw.start()
    pid = pw.pid
    pw.stop()
    pw.stop()
    pw.start()
    assert pw.pid != pid
    assert '"lab_sink"' in pw.metadata("default.audio.sink")
    pw.stop()
