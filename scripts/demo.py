#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: two confabd daemons, Alice's and Bob's, each on its own private
D-Bus bus with its own directories, call each other over SIP on loopback,
and talk through a headless PipeWire: a 440 Hz tone played into Alice's
microphone comes out of Bob's speaker, and 880 Hz from Bob to Alice.
Both turn end-to-end encryption on, so the call is keyed by ZRTP in the media
path (the signaling goes over TLS), and each side shows the security code the
two people compare. Everything is driven with confabctl, as a user would. Run
it through scripts/demo."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "pipewire"))
os.environ["CONFAB_BUILD_DIR"] = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")

from confab_harness import CONFABCTL, Bus, Daemon, Peer, wait_until  # noqa: E402
import pw_harness as pwh  # noqa: E402

# The lab PipeWire graph (tests/pipewire/confab-test-pipewire.conf): what is
# played into *_in comes out of the loop microphone; speakers are null sinks.
ALICE = {"mic_in": "lab_mic_in", "mic": "lab_loopmic", "speaker": "lab_sink2"}
BOB = {"mic_in": "lab_mic2_in", "mic": "lab_loopmic2", "speaker": "lab_sink"}


def media_config(who):
    return f"[media]\naudio-source = {who['mic']}\naudio-sink = {who['speaker']}\n"


def talk(pw, tmp, seconds=3.0):
    """Plays a tone into each microphone and records each speaker."""
    a_wav, b_wav = os.path.join(tmp, "a-440.wav"), os.path.join(tmp, "b-880.wav")
    pwh.write_tone_wav(a_wav, 440.0, seconds, amplitude=0.5)
    pwh.write_tone_wav(b_wav, 880.0, seconds, amplitude=0.5)
    recorders = {
        "bob": pw.record(os.path.join(tmp, "bob-hears.wav"), target=BOB["speaker"]),
        "alice": pw.record(os.path.join(tmp, "alice-hears.wav"), target=ALICE["speaker"]),
    }
    players = [pw.play(a_wav, target=ALICE["mic_in"], wait=False),
               pw.play(b_wav, target=BOB["mic_in"], wait=False)]
    for p in players:
        p.communicate(timeout=60)
    heard = {}
    for who, r in recorders.items():
        rate, samples = pwh.read_wav(r.stop())
        first, last = pwh.active_span(samples, 3000)
        # A quarter second off both ends: the tone's start and end.
        body = samples[first + rate // 4:last - rate // 4]
        heard[who] = pwh.estimate_frequency(body, rate) if len(body) > rate // 2 else None
    return heard


def ctl(peer, *args):
    print(f"\n[{peer.name}]$ confabctl {' '.join(args)}", flush=True)
    p = subprocess.run([CONFABCTL, *args], env=peer.daemon.ctl_env(), capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise SystemExit(f"confabctl {args[0]} failed ({p.returncode})")
    return p.stdout.strip()


def main():
    with tempfile.TemporaryDirectory(prefix="confab-demo-") as tmp:
        buses, daemons = [], []

        def make_daemon(name, own_bus, config):
            bus = Bus(os.path.join(tmp, f"bus-{name}"))
            buses.append(bus)
            d = Daemon(bus, os.path.join(tmp, name), config=config)
            daemons.append(d)
            return d

        pw = pwh.PipeWire(os.path.join(tmp, "pipewire"))
        pw.start()
        for k in pwh._FOREIGN_ENV:
            os.environ.pop(k, None)
        os.environ.update(pw.env())
        print("A headless PipeWire runs with a lab graph: two microphones, two speakers.")
        try:
            alice = Peer(make_daemon, "alice", extra=media_config(ALICE))
            bob = Peer(make_daemon, "bob", extra=media_config(BOB))
            print(f"Alice's confabd: pid {alice.daemon.proc.pid}, SIP on 127.0.0.1:{alice.port}")
            print(f"Bob's confabd:   pid {bob.daemon.proc.pid}, SIP on 127.0.0.1:{bob.port}")
            print("(each on its own private D-Bus bus)")
            ctl(alice, "e2ee", "on")
            ctl(bob, "e2ee", "on")
            ctl(alice, "status")

            number = ctl(alice, "call", bob.uri("tls"))
            a = f"/org/confab/Confab1/Call/{number}"
            b = bob.watch.wait_incoming()
            alice.watch.wait_state(a, "ringing")
            ctl(alice, "calls")
            ctl(bob, "calls")

            ctl(bob, "answer")
            alice.watch.wait_state(a, "active")
            bob.watch.wait_state(b, "active")
            alice.watch.wait_prop(a, "Encryption", "end-to-end")
            bob.watch.wait_prop(b, "Encryption", "end-to-end")
            ctl(alice, "show")
            ctl(bob, "show")
            codes = {who: ctl(peer, "code", n) for who, peer, n in
                     (("alice", alice, number), ("bob", bob, b.rsplit("/", 1)[1]))}
            print("\nThe security codes, side by side (equal: no one is in the middle):")
            for who in ("alice", "bob"):
                fields = dict(line.split(":", 1) for line in codes[who].splitlines())
                print(f"  {who.title():6} {fields['Security code'].strip()}   "
                      f"(SAS {fields['SAS'].strip()})")

            print("\nAlice's microphone plays 440 Hz, Bob's 880 Hz, for 3 seconds...")
            heard = talk(pw, tmp)
            for who, other, tone in (("bob", "alice", 440), ("alice", "bob", 880)):
                f = heard[who]
                print(f"  {who.title()}'s speaker: {f:.1f} Hz (from {other.title()}'s {tone} Hz)"
                      if f else f"  {who.title()}'s speaker: silence!")
            ctl(alice, "--json", "show")

            ctl(alice, "chat", number, "Hello Bob! (chat goes by SIP MESSAGE in the call)")
            wait_until(lambda: bob.watch.messages, "Bob receives the chat message")
            print(f"\nBob received: {bob.watch.messages[0][1]!r}")

            ctl(alice, "hold")
            bob.watch.wait_prop(b, "RemoteHeld", True)
            ctl(bob, "show")
            ctl(alice, "resume")
            bob.watch.wait_prop(b, "RemoteHeld", False)

            ctl(bob, "hangup")
            alice.watch.wait_state(a, "ended")
            ctl(alice, "show", number)
            ctl(bob, "history")
        finally:
            for d in daemons:
                d.stop()
            for bus in buses:
                bus.close()
            pw.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
