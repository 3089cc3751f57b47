# SPDX-License-Identifier: GPL-3.0-or-later
"""confabd and linphonec (Debian linphone-cli 5.1, bzrtp) in end-to-end encrypted calls:
ZRTP (RFC 6189) in the media path keys SRTP on both sides, the short authentication
strings match, tones pass both ways.

linphonec (tests/interop/linphone_zrtp.py, facts in /work/notes/linphone-zrtp.md) has
media_encryption=zrtp, mandatory: it sends no audio until ZRTP has given SRTP keys. It
offers RTP/AVP with a=zrtp-hash and no a=crypto; confabd ([privacy] end-to-end-encryption
= true, plain RTP not allowed) offers RTP/SAVP with a=crypto and a=zrtp-hash.

Key agreement: linphonec always adds DH3k (and Mult) to its Hello, so X255 is agreed when
both put it first (linphonec's rc and confabd's default), DH3k when linphonec is configured
with DH3K only. Which one was agreed is read from both sides: linphonec's debug log ("ZRTP
algo used during negotiation: ... KeyAgreement: ECDH-255|DHM-3072") and confabd's log line
"end-to-end encrypted (X255|DH3k, cipher, auth tag)".

Sound: confabd's goes through a headless PipeWire as in test_baresip_srtp.py (440 Hz is
played into its microphone, its speaker is recorded); linphonec plays an 880 Hz WAV file into
the call and records what it hears to a WAV file. Each direction is thus checked on the
receiving side's own decoder output, with test_baresip_srtp.py's analysis (Heard,
assert_tone).

The SAS, the security code, the algorithms and the time from placing the call to each
side's SAS are printed (pytest -s).
"""
import re
import shutil
import time

import dbus
import pytest

from confab_harness import call_iface, call_props, dial, wait_until
from interop_harness import wait_incoming, wait_state
from linphone_zrtp import (B32_ALPHABET, KEY_AGREEMENT_LOG_NAMES, RE_ENCRYPTED,
                           RE_SDP_ZRTP_HASH, LinphoneZrtp)
from test_baresip_srtp import AMPLITUDE, Heard, assert_tone, pw, pwh  # noqa: F401 (pw: fixture)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("pipewire", "wireplumber", "pw-play", "pw-record")),
    reason="needs pipewire, wireplumber and pw-cat")

MIC_IN, MIC, SPEAKER = pwh.MIC_IN, pwh.MIC, pwh.SINK   # confabd's sound devices
CF_TONE, LP_TONE = 440.0, 880.0   # what confabd's microphone hears, what linphonec plays
TONE_SECONDS = 4.0
# linphonec's source plays from the call's start: long enough to still play while
# confabd's speaker is recorded (a guard, not an expectation).
LP_SOURCE_SECONDS = 60.0
E2EE = "[privacy]\nend-to-end-encryption = true\n"
# confabd's log line when ZRTP has keyed the media (cf-call.c on_zrtp_secure).
RE_CONFAB_SECURE = (r"end-to-end encrypted \((?P<key_agreement>[^,]+), (?P<cipher>[^,]+), "
                    r"(?P<auth>[^)]+)\), key continuity (?P<continuity>\S+)")
# Short names (linphone_zrtp.py's) -> what confabd's log line says.
CONFAB_KEY_AGREEMENT_NAMES = {"X255": "X255", "DH3K": "DH3k"}
CODE = re.compile(r"^\d{5} \d{5} \d{5} \d{5}$")


@pytest.fixture
def setup(pw, make_confab, peers, tmp_path):  # noqa: F811 (pw is the imported fixture)
    """setup(key_agreement, autoanswer) -> (confab, linphonec): confabd "alice" with E2EE on,
    SRTP required, lab_loopmic and lab_sink; linphonec "carol" with ZRTP mandatory and only
    key_agreement configured, playing 880 Hz and recording. pw is set up first, so both stop
    before PipeWire."""
    def make(key_agreement, autoanswer):
        lp_tone = str(tmp_path / "lp-880.wav")
        pwh.write_tone_wav(lp_tone, LP_TONE, LP_SOURCE_SECONDS, rate=16000, amplitude=AMPLITUDE)
        pwh.write_tone_wav(cf_tone_path(tmp_path), CF_TONE, TONE_SECONDS, amplitude=AMPLITUDE)
        confab = make_confab("alice", plain_rtp=False,
                             extra=E2EE + f"[media]\naudio-source = {MIC}\n"
                             f"audio-sink = {SPEAKER}\n")
        lp = LinphoneZrtp(tmp_path / "linphone", "carol", (key_agreement,), play=lp_tone,
                          record=str(tmp_path / "linphone-hears.wav"), autoanswer=autoanswer)
        peers.append(lp)
        return confab, lp
    return make


def cf_tone_path(tmp_path):
    return str(tmp_path / "cf-440.wav")


def sdp_of(message):
    return message.split("\n\n", 1)[1] if "\n\n" in message else ""


def audio_proto(sdp):
    m = re.search(r"^m=audio \d+ (\S+) ", sdp, re.M)
    return m.group(1) if m else None


def zrtp_hash(sdp):
    m = re.search(RE_SDP_ZRTP_HASH, sdp, re.M)
    return m.group("hash").lower() if m else None


def cseq_method(message):
    m = re.search(r"^CSeq: *\d+ +(\S+)", message, re.M | re.I)
    return m.group(1) if m else None


def wait_active(confab, path, lp):
    """Waits for the call to be active on confabd; fails at once, with the reason, if it
    ends first (or linphonec dies)."""
    def reached():
        lp.check_running()
        state = confab.watch.get(path, "State")
        if state == "ended" or path in confab.watch.removed:
            raise AssertionError(f"the call ended: {confab.watch.get(path, 'EndReason')!r} "
                                 f"(states {list(map(str, confab.watch.states(path)))})"
                                 f"\n{confab_log_tail(confab)}")
        return state == "active"
    wait_until(reached, f"{path} active on confabd")


def wait_end_to_end(confab, path, lp, lp_id, mark):
    """Waits until confabd's call is end-to-end encrypted and linphonec has printed its
    SAS; fails at once, with the reason, if the call ends first or linphonec dies. Both are
    watched in one loop, so that each time is when that side was seen done: returns
    (linphonec's ZrtpResult, monotonic time at which confabd's Encryption was seen
    end-to-end)."""
    printed = re.compile(RE_ENCRYPTED.format(id=lp_id))
    seen = {}

    def reached():
        lp.check_running()
        state = confab.watch.get(path, "State")
        if state == "ended" or path in confab.watch.removed:
            raise AssertionError(f"the call ended: {confab.watch.get(path, 'EndReason')!r}, "
                                 f"EndToEndReason {confab.watch.get(path, 'EndToEndReason')!r}"
                                 f"\n{confab_log_tail(confab)}")
        if "confab" not in seen and confab.watch.get(path, "Encryption") == "end-to-end":
            seen["confab"] = time.monotonic()
        return "confab" in seen and any(printed.search(line) for line in lp.lines[mark:])
    wait_until(reached, f"{path} end-to-end on confabd (now "
               f"{confab.watch.get(path, 'Encryption')!r}, reason "
               f"{confab.watch.get(path, 'EndToEndReason')!r}) and linphonec's SAS")
    return lp.wait_encrypted(lp_id, mark), seen["confab"]


def confab_log_tail(confab, n=40):
    return "\n".join(confab.daemon.stderr().splitlines()[-n:])


def confab_secure_line(confab):
    found = []

    def seen():
        m = list(re.finditer(RE_CONFAB_SECURE, confab.daemon.stderr()))
        if m:
            found.append(m[-1])
        return bool(m)
    wait_until(seen, "confabd logging 'end-to-end encrypted (...)'")
    return found[0]


def check_zrtp(confab, path, lp, lp_result, key_agreement, t_call, t_confab):
    """Both sides agree: same SAS, the expected key agreement, end-to-end with no reason."""
    props = call_props(confab.daemon, path)
    lp_log = lp.wait_zrtp_log()
    secure = confab_secure_line(confab)
    print(f"\n{key_agreement}: linphonec SAS {lp_result.sas!r} (log {lp_log['sas']!r}), "
          f"confabd Sas {str(props['Sas'])!r}, SecurityCode {str(props['SecurityCode'])!r}, "
          f"KeyContinuity {str(props['KeyContinuity'])!r}")
    print(f"  linphonec: {lp_log['key_agreement']}, {lp_log['cipher']}, {lp_log['hash']}, "
          f"{lp_log['auth_tag']}, {lp_log['sas_rendering']}; confabd: "
          f"{secure.group('key_agreement')}, {secure.group('cipher')}, {secure.group('auth')}")
    print(f"  call -> SAS: linphonec {1000 * (lp_result.seen_at - t_call):.0f} ms, "
          f"confabd {1000 * (t_confab - t_call):.0f} ms")
    print(f"  linphonec's ZRTP messages: "
          f"{[(d[0], t) for _, d, t in lp.zrtp_packets()]}")
    assert props["Encryption"] == "end-to-end", props
    assert props["EndToEndReason"] == "", props
    assert lp_result.fully_encrypted, lp_result
    assert len(lp_result.sas) == 4 and all(c in B32_ALPHABET for c in lp_result.sas), lp_result
    assert str(props["Sas"]) == lp_result.sas == lp_log["sas"], (props["Sas"], lp_result, lp_log)
    assert CODE.match(str(props["SecurityCode"])), props["SecurityCode"]
    assert lp_log["key_agreement"] == KEY_AGREEMENT_LOG_NAMES[key_agreement], lp_log
    assert secure.group("key_agreement") == CONFAB_KEY_AGREEMENT_NAMES[key_agreement], \
        secure.group(0)


def exchange_tones(pw, confab, path, lp, lp_id, tmp_path):  # noqa: F811
    """While linphonec's 880 Hz plays into the call, records confabd's speaker and plays
    440 Hz into confabd's microphone; confabd hangs up. Returns what confabd's speaker
    played, what linphonec recorded, and confabd's Stats."""
    rec = pw.record(str(tmp_path / "confab-hears.wav"), target=SPEAKER, monitor=True)
    try:
        pw.play(cf_tone_path(tmp_path), target=MIC_IN)
    finally:
        rec.stop()
    stats = call_props(confab.daemon, path)["Stats"]
    mark = lp.mark()
    call_iface(confab.daemon, path).Hangup()
    wait_state(confab.watch, path, "ended", lp)
    lp.wait_ended(lp_id, mark)
    # linphone writes the WAV header of its recording when the call closes.
    wait_until(lambda: lp._record_format() is not None, "linphonec's recording closed")
    confab_hears = Heard(rec.path, LP_TONE, CF_TONE)
    lp_hears = Heard(lp.record_path, CF_TONE, LP_TONE)
    print(f"  confabd's speaker (lab_sink): {confab_hears!r}")
    print("  confabd's Stats: " + ", ".join(
        f"{k} {stats[k]}" for k in ("codec", "packets-received", "packets-lost", "srtp-forged",
                                    "jitter") if k in stats))
    print(f"  linphonec's recording: {lp_hears!r}")
    assert_tone(confab_hears, LP_TONE, CF_TONE)
    assert_tone(lp_hears, CF_TONE, LP_TONE)
    assert stats["packets-received"] > 0 and stats["srtp-forged"] == 0, stats


KEY_AGREEMENTS = [pytest.param("X255", id="X255"), pytest.param("DH3K", id="DH3k")]


@pytest.mark.parametrize("key_agreement", KEY_AGREEMENTS)
def test_linphonec_calls_confab(setup, pw, tmp_path, key_agreement):  # noqa: F811
    """linphonec dials; confabd's user answers over D-Bus."""
    confab, lp = setup(key_agreement, autoanswer=False)
    mark = lp.mark()
    lp_id, t_call = lp.call(confab.uri())
    path = wait_incoming(confab.watch, lp)
    call_iface(confab.daemon, path).Answer(dbus.Dictionary({}, signature="sv"))
    wait_active(confab, path, lp)
    lp_result, t_confab = wait_end_to_end(confab, path, lp, lp_id, mark)

    invite = lp.wait_sip("sent", "INVITE ")[0]
    ok = [m for m in lp.wait_sip("received", "SIP/2.0 200") if cseq_method(m) == "INVITE"][0]
    print(f"\nlinphonec offered {audio_proto(sdp_of(invite))}, confabd answered "
          f"{audio_proto(sdp_of(ok))}")
    assert zrtp_hash(sdp_of(invite)) and zrtp_hash(sdp_of(ok)), (invite, ok)
    check_zrtp(confab, path, lp, lp_result, key_agreement, t_call, t_confab)
    exchange_tones(pw, confab, path, lp, lp_id, tmp_path)


@pytest.mark.parametrize("key_agreement", KEY_AGREEMENTS)
def test_confab_calls_linphonec(setup, pw, tmp_path, key_agreement):  # noqa: F811
    """confabd dials; linphonec answers by itself."""
    confab, lp = setup(key_agreement, autoanswer=True)
    mark = lp.mark()
    t_call = time.monotonic()
    path = dial(confab.daemon, lp.uri())
    wait_active(confab, path, lp)
    lp_id = lp.wait_incoming(mark)
    lp_result, t_confab = wait_end_to_end(confab, path, lp, lp_id, mark)

    invite = lp.wait_sip("received", "INVITE ")[0]
    ok = [m for m in lp.wait_sip("sent", "SIP/2.0 200") if cseq_method(m) == "INVITE"][0]
    print(f"\nconfabd offered {audio_proto(sdp_of(invite))}, linphonec answered "
          f"{audio_proto(sdp_of(ok))}")
    assert zrtp_hash(sdp_of(invite)) and zrtp_hash(sdp_of(ok)), (invite, ok)
    check_zrtp(confab, path, lp, lp_result, key_agreement, t_call, t_confab)
    exchange_tones(pw, confab, path, lp, lp_id, tmp_path)


def test_second_call_continues(setup, pw, tmp_path):  # noqa: F811
    """confabd calls the same linphonec twice (X255): the first call stores a retained
    secret on both sides (RFC 6189 §4.6.1), the second one finds it again: confabd shows
    KeyContinuity "continued" (its rs1 matched linphonec's), and the SAS still match."""
    confab, lp = setup("X255", autoanswer=True)
    seen = []
    for n in range(2):
        mark = lp.mark()
        path = dial(confab.daemon, lp.uri())
        wait_active(confab, path, lp)
        lp_id = lp.wait_incoming(mark)
        lp_result, _ = wait_end_to_end(confab, path, lp, lp_id, mark)
        props = call_props(confab.daemon, path)
        seen.append((lp_result.sas, str(props["Sas"]), str(props["KeyContinuity"])))
        print(f"\ncall {n + 1}: linphonec SAS {lp_result.sas!r}, confabd Sas "
              f"{str(props['Sas'])!r}, KeyContinuity {str(props['KeyContinuity'])!r}")
        mark = lp.mark()
        call_iface(confab.daemon, path).Hangup()
        wait_state(confab.watch, path, "ended", lp)
        lp.wait_ended(lp_id, mark)
    assert [s[0] == s[1] for s in seen] == [True, True], seen
    assert [s[2] for s in seen] == ["new", "continued"], seen
