#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""linphonec (Debian linphone-cli) as a ZRTP phone (RFC 6189), for interop tests and
bench/sas-time.py: one instance with its own HOME, rc file and free ports on 127.0.0.1,
media_encryption=zrtp (mandatory by default), the key agreements of your choice, and
"soundcard use files" (it plays a WAV file into the call and records what it hears).

What linphonec shows, and how this module reads it (details: /work/notes/linphone-zrtp.md):
  stdout  "Establishing call id to <uri>, assigned id N"          (after "call <uri>")
          "Receiving new incoming call from <who>, assigned id N"
          "Call N with <who> connected."
          "Call N is fully encrypted and auth token is xkaq."      (SAS, B32, lower case)
          "Call N is not fully encrypted and auth token is xkaq."  (not all streams)
          "Call N with <who> ended (<reason>)."
  -d 6 log (-l FILE), mediastreamer lines:
          "ZRTP Send packet type Hello    on rtp session [0x...]"  (and Receive)
          "ZRTP secrets on: SAS is xkaq previously verified no on session [0x...]"
          "ZRTP algo used during negotiation: Cipher: AES-256 - KeyAgreement: ECDH-255 -
           Hash: SHA-384 - AuthTag: HMAC-SHA1-80 - Sas Rendering: Base32"

Nothing here sleeps to synchronise: every wait polls a condition (wait_until of
tests/integration/confab_harness.py) under a guard that only turns a hang into a failure.
The caller must already be in a loopback-only network namespace (tests/netns-run): linphonec
picks its media address from the interfaces it sees. Run as a script, it re-executes itself
there and checks linphonec <-> linphonec with X255 and with DH3k:

    /usr/bin/python3 tests/interop/linphone_zrtp.py [--keep DIR]
"""
import collections
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "pipewire"))

from interop_harness import Linphonec, wait_until  # noqa: E402

# Short names (as in the Hello message) -> linphonerc values. Full MS_ZRTP_* names pass as they are.
KEY_AGREEMENTS = {"X255": "MS_ZRTP_KEY_AGREEMENT_X255", "X448": "MS_ZRTP_KEY_AGREEMENT_X448",
                  "DH3K": "MS_ZRTP_KEY_AGREEMENT_DH3K", "DH2K": "MS_ZRTP_KEY_AGREEMENT_DH2K",
                  "EC25": "MS_ZRTP_KEY_AGREEMENT_EC25", "EC38": "MS_ZRTP_KEY_AGREEMENT_EC38",
                  "EC52": "MS_ZRTP_KEY_AGREEMENT_EC52"}
CIPHERS = {"AES1": "MS_ZRTP_CIPHER_AES1", "AES2": "MS_ZRTP_CIPHER_AES2",
           "AES3": "MS_ZRTP_CIPHER_AES3", "2FS1": "MS_ZRTP_CIPHER_2FS1",
           "2FS2": "MS_ZRTP_CIPHER_2FS2", "2FS3": "MS_ZRTP_CIPHER_2FS3"}
HASHES = {"S256": "MS_ZRTP_HASH_S256", "S384": "MS_ZRTP_HASH_S384",
          "S512": "MS_ZRTP_HASH_S512", "N256": "MS_ZRTP_HASH_N256", "N384": "MS_ZRTP_HASH_N384"}
AUTH_TAGS = {"HS32": "MS_ZRTP_AUTHTAG_HS32", "HS80": "MS_ZRTP_AUTHTAG_HS80",
             "SK32": "MS_ZRTP_AUTHTAG_SK32", "SK64": "MS_ZRTP_AUTHTAG_SK64"}
SAS_TYPES = {"B32": "MS_ZRTP_SAS_B32", "B256": "MS_ZRTP_SAS_B256"}

# What the log's "algo used" line calls the key agreements (bzrtp's names).
KEY_AGREEMENT_LOG_NAMES = {"X255": "ECDH-255", "X448": "ECDH-448", "DH3K": "DHM-3072",
                           "DH2K": "DHM-2048"}

B32_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"

RE_CALL_ID = r"Establishing call id to (?P<uri>\S+), assigned id (?P<id>\d+)"
RE_INCOMING = r"Receiving new incoming call from (?P<who>.*), assigned id (?P<id>\d+)"
RE_CONNECTED = r"Call {id} with (?P<who>.*) connected\."
RE_STREAMS = r"Media streams established with (?P<who>.*) for call {id} "
RE_ENCRYPTED = (r"Call {id} is (?P<not>not )?fully encrypted and auth token is "
                r"(?P<sas>\S+?)\.$")
RE_ENDED = r"Call {id} with (?P<who>.*) ended \((?P<reason>[^)]*)\)"
# Debug log (-d 6): mediastreamer's ZRTP lines.
RE_LOG_TIME = r"^(?P<t>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}) "
RE_LOG_PACKET = (RE_LOG_TIME + r"mediastreamer-message-ZRTP (?P<dir>Send|Receive) packet type "
                 r"(?P<type>\S+)\s+on rtp session \[(?P<session>0x[0-9a-f]+)\]")
RE_LOG_SAS = (RE_LOG_TIME + r"mediastreamer-message-ZRTP secrets on: SAS is (?P<sas>\S+) "
              r"previously verified (?P<verified>yes|no)")
RE_LOG_ALGOS = (RE_LOG_TIME + r"mediastreamer-message-ZRTP algo used during negotiation: "
                r"Cipher: (?P<cipher>.+?) - KeyAgreement: (?P<key_agreement>.+?) - "
                r"Hash: (?P<hash>.+?) - AuthTag: (?P<auth_tag>.+?) - "
                r"Sas Rendering: (?P<sas_rendering>.+?)\s*$")
RE_SDP_ZRTP_HASH = r"^a=zrtp-hash:(?P<version>\S+) (?P<hash>[0-9a-fA-F]{64})\s*$"

ZrtpResult = collections.namedtuple("ZrtpResult", "call_id sas fully_encrypted seen_at")

# The [sip] lines of a ZRTP linphonec (shared/recipes/linphone/alice.rc).
ZRTP_SIP = """\
media_encryption=zrtp
media_encryption_mandatory={mandatory}
zrtp_key_agreements_suites={key_agreements}
zrtp_cipher_suites={ciphers}
zrtp_hash_suites={hashes}
zrtp_auth_suites={auth_tags}
zrtp_sas_suites={sas_types}"""
# The recipe's audio codecs (shared/recipes/linphone/alice.rc), Opus first.
CODECS = [("opus", 48000, 2, True, "useinbandfec=1"), ("speex", 16000, 1, True, "vbr=on"),
          ("speex", 8000, 1, True, "vbr=on"), ("PCMU", 8000, 1, True, None),
          ("PCMA", 8000, 1, True, None), ("GSM", 8000, 1, False, None),
          ("G722", 8000, 1, False, None), ("G729", 8000, 1, True, "annexb=yes")]


def _suite(names, table):
    return ", ".join(table.get(n.upper(), n) for n in names)


def _log_seconds(stamp):
    """Seconds since the epoch day start of a log time stamp (for differences only)."""
    date, clock = stamp.split(" ")
    h, m, s, ms = (int(x) for x in clock.split(":"))
    return h * 3600 + m * 60 + s + ms / 1000.0


def in_loopback_netns():
    return [name for _, name in socket.if_nameindex()] == ["lo"]


class LinphoneZrtp(Linphonec):
    """One linphonec with ZRTP. Commands go to its stdin; its stdout lines are kept with the
    monotonic time at which they were read (line_time()); its -d 6 log is debug_log."""

    def __init__(self, directory, name="carol", key_agreements=("X255",),
                 ciphers=("AES3", "AES1"), hashes=("S384", "S256"), auth_tags=("HS80", "HS32"),
                 sas_types=("B32",), mandatory=True, play=None, record=None, autoanswer=False,
                 opus_only=False):
        """directory: created if need be; HOME, rc, logs and the ZRTP cache (ZID and
        retained secrets: a new directory means a new ZID and no cached secrets) live there.
        key_agreements etc.: short names as in the Hello message (X255, DH3K, AES3, S384,
        HS80, B32...) or linphonerc's MS_ZRTP_* names, in preference order.
        play / record: WAV paths (what it sends / what it hears); None: silence / nothing.
        autoanswer: answer incoming calls by itself.
        opus_only: offer only Opus (else the recipe's codecs: Opus, Speex, PCMU, PCMA, G729)."""
        self.key_agreements = tuple(key_agreements)
        self.play_path, self.record_path = play, record
        encryption = ZRTP_SIP.format(
            mandatory=1 if mandatory else 0,
            key_agreements=_suite(key_agreements, KEY_AGREEMENTS),
            ciphers=_suite(ciphers, CIPHERS), hashes=_suite(hashes, HASHES),
            auth_tags=_suite(auth_tags, AUTH_TAGS), sas_types=_suite(sas_types, SAS_TYPES))
        codecs = ""
        for i, (mime, rate, channels, enabled, fmtp) in enumerate(CODECS):
            on = enabled and (not opus_only or mime == "opus")
            codecs += (f"\n[audio_codec_{i}]\nmime={mime}\nrate={rate}\nchannels={channels}\n"
                       f"enabled={1 if on else 0}\n" + (f"recv_fmtp={fmtp}\n" if fmtp else ""))
        self.line_times = []  # before the reader thread starts (Proc.__init__)
        super().__init__(directory, name, autoanswer, encryption=encryption, extra_rc=codecs,
                         nortp_timeout=30)

    def _setup(self, autoanswer):
        self.command("soundcard use files", r"Using wav files instead of soundcard")
        if self.play_path:
            self.send(f"play {self.play_path}")
        if self.record_path:
            self.send(f"record {self.record_path}")
        # linphonec runs its commands in order: the answer to this one says that the
        # ones before it are done (play and record print nothing).
        self.command("autoanswer enable" if autoanswer else "autoanswer disable",
                     r"Auto answer enabled" if autoanswer else r"Auto answer disabled")

    # ---- output ----

    def _read(self):
        # Proc._read, with the time each line was read.
        for line in self.proc.stdout:
            now = time.monotonic()
            with self._lock:
                self.lines.append(line.rstrip("\n"))
                self.line_times.append(now)
            self._log.write(line)
            self._log.flush()

    def wait_match(self, pattern, start=0):
        """Waits for a stdout line matching pattern at or after mark start: (match, index,
        monotonic time at which it was read)."""
        rx = re.compile(pattern)
        found = []

        def seen():
            with self._lock:
                lines = self.lines[start:]
                times = self.line_times[start:]
            for i, line in enumerate(lines):
                m = rx.search(line)
                if m:
                    found.append((m, start + i, times[i]))
                    return True
            self.check_running()
            return False
        wait_until(seen, f"linphonec {self.name_} printing /{pattern}/\n{self.tail(20)}")
        return found[0]

    def line_time(self, index):
        with self._lock:
            return self.line_times[index]

    # ---- commands ----

    def command(self, line, answer):
        """Sends a command and waits for the line (regex) that answers it."""
        mark = self.mark()
        self.send(line)
        return self.wait_match(answer, mark)[0]

    def call(self, uri):
        """Places a call: (call id, monotonic time just before the command was written)."""
        mark = self.mark()
        t = time.monotonic()
        self.send(f"call {uri}")
        m = self.wait_match(RE_CALL_ID, mark)[0]
        return int(m.group("id")), t

    def wait_incoming(self, start=0):
        """The id of the first incoming call announced at or after mark start."""
        return int(self.wait_match(RE_INCOMING, start)[0].group("id"))

    def answer(self, call_id=None):
        self.send("answer" if call_id is None else f"answer {call_id}")

    def terminate(self, call_id=None):
        self.send("terminate" if call_id is None else f"terminate {call_id}")

    def wait_connected(self, call_id, start=0):
        return self.wait_match(RE_CONNECTED.format(id=call_id), start)[0]

    def wait_streams(self, call_id, start=0):
        return self.wait_match(RE_STREAMS.format(id=call_id), start)[0]

    def wait_encrypted(self, call_id, start=0):
        """Waits for "Call N is [not ]fully encrypted and auth token is SAS.": a ZrtpResult
        (the SAS as printed, lower case; whether all streams are encrypted; the monotonic
        time the line was read)."""
        m, _, t = self.wait_match(RE_ENCRYPTED.format(id=call_id), start)
        return ZrtpResult(call_id, m.group("sas"), not m.group("not"), t)

    def wait_ended(self, call_id, start=0):
        """The reason linphonec gives, e.g. 'No error'."""
        return self.wait_match(RE_ENDED.format(id=call_id), start)[0].group("reason")

    # ---- the debug log ----

    def log_text(self):
        try:
            with open(self.debug_log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def zrtp_packets(self):
        """The ZRTP messages of the log, in order: (log seconds, 'Send'|'Receive', type)."""
        return [(_log_seconds(m.group("t")), m.group("dir"), m.group("type"))
                for m in re.finditer(RE_LOG_PACKET, self.log_text(), re.M)]

    def zrtp_log(self):
        """What bzrtp logged of the last key agreement, or None before it ended: dict with
        sas, verified (bool: the peer was marked verified in linphone's cache), cipher
        ('AES-256'), key_agreement ('ECDH-255', 'DHM-3072'), hash ('SHA-384'), auth_tag
        ('HMAC-SHA1-80'), sas_rendering ('Base32')."""
        text = self.log_text()
        sas = list(re.finditer(RE_LOG_SAS, text, re.M))
        algos = list(re.finditer(RE_LOG_ALGOS, text, re.M))
        if not sas or not algos:
            return None
        out = {k: v.strip() for k, v in algos[-1].groupdict().items() if k != "t"}
        out["sas"] = sas[-1].group("sas")
        out["verified"] = sas[-1].group("verified") == "yes"
        return out

    def wait_zrtp_log(self):
        found = []

        def seen():
            self.check_running()
            r = self.zrtp_log()
            if r:
                found.append(r)
            return bool(r)
        wait_until(seen, f"linphonec {self.name_}: ZRTP result in its log")
        return found[0]

    # SIP messages of the log: the functions of interop_harness.Linphonec (same log format).
    def zrtp_hashes(self, direction):
        """The a=zrtp-hash values (version, hex) of the SDP bodies linphonec 'sent' or
        'received', in order."""
        return [(m.group("version"), m.group("hash").lower())
                for d, text in self.sip_messages() if d == direction
                for m in re.finditer(RE_SDP_ZRTP_HASH, text, re.M)]

    # ---- audio ----

    def _record_format(self, assumed=None):
        """(rate, channels) from the record file's header; linphonec writes the header
        (zeros until then) when the recording ends: before that, assumed (or None)."""
        import wave
        try:
            with wave.open(self.record_path, "rb") as w:
                return w.getframerate(), w.getnchannels()
        except (OSError, EOFError, wave.Error):
            return assumed

    def recorded_seconds(self, assumed=(48000, 1)):
        """How much audio the record file holds so far, from its size. During the call the
        header is still zeros: the format is then assumed to be what linphonec records an
        Opus call in (48 kHz mono); a call on an 8 kHz codec then seems 6 times shorter."""
        if not self.record_path or not os.path.exists(self.record_path):
            return 0.0
        rate, channels = self._record_format(assumed)
        return max(0, os.path.getsize(self.record_path) - 44) / (2 * channels * rate)

    def wait_recorded(self, seconds):
        """Waits until the record file holds at least seconds of audio."""
        def enough():
            self.check_running()
            return self.recorded_seconds() >= seconds
        wait_until(enough, f"linphonec {self.name_} recording {seconds} s")

    def recorded(self, start, seconds):
        """(rate, samples of the first channel) of the record file from start seconds on,
        at most seconds long, once the recording has ended (the header is complete)."""
        fmt = self._record_format()
        assert fmt, f"{self.record_path}: no WAV header yet (the call has not ended)"
        rate, channels = fmt
        with open(self.record_path, "rb") as f:
            f.seek(44 + int(start * rate) * 2 * channels)
            data = f.read(int(seconds * rate) * 2 * channels)
        samples = struct.unpack(f"<{len(data) // 2}h", data[:len(data) // 2 * 2])
        return rate, list(samples[::channels])

    def heard(self, expected, other=None, start=1.0, seconds=2.0):
        """What the record file holds over [start, start + seconds): the share of the
        energy at the expected frequency in the median 100 ms block (about 1 for that tone
        alone), the largest share at other, and the RMS level."""
        import pw_harness
        rate, samples = self.recorded(start, seconds)
        step = rate // 10
        blocks = [samples[i:i + step] for i in range(0, len(samples) - step + 1, step)]
        assert blocks, f"{self.record_path}: no audio recorded after {start} s"
        shares = sorted(pw_harness.tone_ratio(b, rate, expected) for b in blocks)
        out = {"seconds": round(len(samples) / rate, 2),
               "share_expected": round(shares[len(shares) // 2], 3),
               "rms": round(pw_harness.rms(samples))}
        if other is not None:
            out["share_other"] = round(max(pw_harness.tone_ratio(b, rate, other)
                                           for b in blocks), 3)
        return out


def write_tone(path, freq, seconds=30.0, rate=16000):
    import pw_harness
    pw_harness.write_tone_wav(path, freq, seconds, rate=rate, amplitude=0.5)


def linphone_pair_call(workdir, key_agreements, tones=(440.0, 880.0), record=True, **kwargs):
    """linphonec 'alice' calls linphonec 'bob' (who answers by himself), both with ZRTP and
    key_agreements. Returns (alice, bob, alice's ZrtpResult, bob's ZrtpResult, t_call): the
    two processes stay running (stop() them). kwargs go to both LinphoneZrtp()."""
    os.makedirs(workdir, exist_ok=True)
    paths = {}
    for who, freq in zip(("alice", "bob"), tones):
        paths[who] = os.path.join(workdir, f"tone-{who}.wav")
        if not os.path.exists(paths[who]):
            write_tone(paths[who], freq)
    alice = bob = None
    try:
        alice = LinphoneZrtp(os.path.join(workdir, "alice"), "alice", key_agreements,
                             play=paths["alice"],
                             record=os.path.join(workdir, "alice-heard.wav") if record else None,
                             **kwargs)
        bob = LinphoneZrtp(os.path.join(workdir, "bob"), "bob", key_agreements,
                           play=paths["bob"],
                           record=os.path.join(workdir, "bob-heard.wav") if record else None,
                           autoanswer=True, **kwargs)
        mark_b = bob.mark()
        mark_a = alice.mark()
        call_id, t_call = alice.call(bob.uri())
        b_id = bob.wait_incoming(mark_b)
        ra = alice.wait_encrypted(call_id, mark_a)
        rb = bob.wait_encrypted(b_id, mark_b)
        return alice, bob, ra, rb, t_call
    except BaseException:
        for p in (bob, alice):
            if p is not None:
                p.stop()
        raise


def self_check(workdir):
    """linphonec <-> linphonec with X255 and with DH3k: equal SAS on both sides, the
    expected key agreement in both logs, tones both ways. Returns (passed, failed) checks."""
    failures = passed = 0
    for ka in ("X255", "DH3K"):
        d = os.path.join(workdir, ka)
        alice, bob, ra, rb, t_call = linphone_pair_call(d, (ka,))
        try:
            la, lb = alice.wait_zrtp_log(), bob.wait_zrtp_log()
            alice.wait_recorded(3.5)
            bob.wait_recorded(3.5)
            mark = alice.mark()
            alice.terminate()
            alice.wait_ended(ra.call_id, mark)
            bob.wait_ended(rb.call_id)
            ha, hb = alice.heard(880.0, 440.0), bob.heard(440.0, 880.0)
            ok = {
                "same SAS": ra.sas == rb.sas == la["sas"] == lb["sas"],
                "SAS is 4 B32 characters": len(ra.sas) == 4 and all(c in B32_ALPHABET
                                                                    for c in ra.sas),
                "fully encrypted": ra.fully_encrypted and rb.fully_encrypted,
                "key agreement": la["key_agreement"] == lb["key_agreement"]
                == KEY_AGREEMENT_LOG_NAMES[ka],
                "alice heard 880 Hz": ha["share_expected"] > 0.5,
                "bob heard 440 Hz": hb["share_expected"] > 0.5,
                "zrtp-hash sent and received": bool(alice.zrtp_hashes("sent"))
                and bool(alice.zrtp_hashes("received")),
            }
            print(f"{ka}: alice SAS {ra.sas!r}, bob SAS {rb.sas!r}; "
                  f"call -> SAS {1000 * (ra.seen_at - t_call):.0f} ms (alice), "
                  f"{1000 * (rb.seen_at - t_call):.0f} ms (bob)")
            print(f"  alice's log: {la}")
            print(f"  bob's log:   {lb}")
            print(f"  alice heard {ha}; bob heard {hb}")
            print(f"  alice's ZRTP messages: "
                  f"{[(d_[0], t_) for _, d_, t_ in alice.zrtp_packets()]}")
            for k, v in ok.items():
                print(f"  {'ok  ' if v else 'FAIL'} {k}")
                passed += 1 if v else 0
                failures += 0 if v else 1
        finally:
            bob.stop()
            alice.stop()
    return passed, failures


def main():
    import argparse
    ap = argparse.ArgumentParser(description="linphonec <-> linphonec ZRTP self check")
    ap.add_argument("--keep", help="work in this directory and keep it")
    args = ap.parse_args()
    if not in_loopback_netns():
        if os.environ.get("LINPHONE_ZRTP_IN_NETNS"):
            sys.exit("linphone_zrtp.py: not in a loopback-only network namespace")
        netns_run = os.path.join(HERE, "..", "netns-run")
        env = dict(os.environ, LINPHONE_ZRTP_IN_NETNS="1")
        os.execvpe(netns_run, [netns_run, sys.executable, os.path.abspath(__file__)]
                   + sys.argv[1:], env)
    workdir = args.keep or tempfile.mkdtemp(prefix="linphone-zrtp-")
    try:
        passed, failures = self_check(workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{passed} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
