#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dial to security code: how long after placing a call the ZRTP security code (SAS) is there
to compare, for Confab (confabd <-> confabd) and, in the same run, for linphonec <-> linphonec
(Debian linphone-cli, the reference ZRTP phone of issue 5).

In one run, on 127.0.0.1 inside a loopback-only network namespace (tests/netns-run: the script
re-executes itself there), for each key agreement (--key-agreements, default X255 and DH3K),
--runs times (default 10), one call after the other, never two at once:

  confabd:   two fresh confabd daemons (private buses, no debug logging) with the Manager
             property EndToEndEncryption = true on both, the callee answering by itself
             ([calls] auto-answer). Clock: from the D-Bus Dial call to the caller's Call
             property SecurityCode becoming non-empty (a PropertiesChanged signal); the
             callee's code and both Sas values are read to check that they match.
  linphonec: two fresh linphonec (tests/interop/linphone_zrtp.py: a new HOME each, so a new
             ZID and no retained secrets, like the fresh confabd pair), media_encryption=zrtp
             mandatory, key agreement restricted in linphonerc (zrtp_key_agreements_suites;
             NB bzrtp always adds DH3k, the mandatory one, to its Hello: "X255" means X255
             preferred, which two linphonec then use), the callee on autoanswer. Clock: from
             writing "call <uri>" to linphonec's stdin to reading "Call N is fully encrypted
             and auth token is XXXX." on the caller's stdout (and on the callee's).

Both clocks run in this script (time.monotonic) and stop when the endpoint tells its user,
through its own interface (D-Bus signal / printed line). Each row also splits the time into
Dial -> call answered (confabd: State 'active'; linphonec: "Call N with ... connected.") and
answered -> code, the part that ZRTP adds.

Run by hand, as root (for the network namespace):
    /usr/bin/python3 bench/sas-time.py [--build /work/build-bench] [--runs 10]
Not a test: nothing is asserted about the figures; the script prints them (a Markdown table,
medians with min-max, and the Confab / linphonec ratio of the medians) and writes them as JSON
(--json FILE, and results.json in --workdir).
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
NETNS_RUN = os.path.join(SOURCE_DIR, "tests", "netns-run")
IN_NETNS_ENV = "CONFAB_BENCH_IN_NETNS"
GUARD_SECONDS = 60          # hang guard for waits, never an expectation


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def in_loopback_netns():
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def wait_for(predicate, what):
    """The test harness's wait, dozing 1 ms at most: the clocks here are the figures."""
    from confab_harness import wait_until
    return wait_until(predicate, what, GUARD_SECONDS, poll=0.001)


# ---- Confab ----

def confab_dial_to_code(ctx, key_agreement, workdir):
    """One Confab call, confabd 'alice' -> confabd 'bob', both with EndToEndEncryption on:
    a dict of times in ms from the Dial (to 'active', to the caller's and the callee's
    SecurityCode), the codes and the Sas values. key_agreement goes to both daemons'
    [privacy] zrtp-key-agreements, so that they agree on it."""
    import dbus
    from confab_harness import (Bus, CallWatcher, Daemon, call_iface, call_props, dial,
                                free_port, peer_config)

    class QuietDaemon(Daemon):
        """A confabd as a user runs it: no debug logging (the test harness turns it on)."""

        def env(self):
            env = super().env()
            env.pop("G_DEBUG", None)
            env.pop("G_MESSAGES_DEBUG", None)
            return env

    peers, buses = {}, []
    try:
        for role, name in (("caller", "alice"), ("callee", "bob")):
            port = free_port()
            ka = "DH3k" if key_agreement.upper() == "DH3K" else key_agreement
            extra = f"[privacy]\nzrtp-key-agreements = {ka}\n"
            if ctx.pw_nodes:
                extra += (f"[media]\naudio-source = {ctx.pw_nodes[role]['mic']}\n"
                          f"audio-sink = {ctx.pw_nodes[role]['speaker']}\n")
            if role == "callee":
                extra += "[calls]\nauto-answer = true\n"
            bus = Bus(os.path.join(workdir, f"bus-{name}"))
            buses.append(bus)
            daemon = QuietDaemon(bus, os.path.join(workdir, name),
                                 config=peer_config(name, port, extra, transports=("udp",)))
            daemon.start()
            daemon.set("EndToEndEncryption", dbus.Boolean(True))
            peers[role] = {"daemon": daemon, "port": port, "name": name,
                           "watch": CallWatcher(daemon)}
        caller, callee = peers["caller"], peers["callee"]
        uri = f"sip:{callee['name']}@127.0.0.1:{callee['port']}"

        t_dial = time.monotonic()
        path = dial(caller["daemon"], uri)

        times = {}

        def callee_path():
            return next(iter(callee["watch"].props), None)

        def progress():
            now = time.monotonic()
            a = caller["watch"]
            if "active" not in times and a.get(path, "State") == "active":
                times["active"] = now
            if "caller_code" not in times and a.get(path, "SecurityCode"):
                times["caller_code"] = now
            b = callee_path()
            if b and "callee_code" not in times and callee["watch"].get(b, "SecurityCode"):
                times["callee_code"] = now
            if "caller_code" in times and "callee_code" in times:
                return True
            # No code coming: say why instead of waiting for the guard.
            for w, p in ((a, path), (callee["watch"], b)):
                if p is None:
                    continue
                if w.get(p, "State") == "ended":
                    raise RuntimeError(f"call ended before the code: EndReason "
                                       f"{w.get(p, 'EndReason')!r}, EndToEndReason "
                                       f"{w.get(p, 'EndToEndReason')!r}")
                reason = w.get(p, "EndToEndReason")
                if (w.get(p, "State") == "active" and w.get(p, "Encryption")
                        and reason not in (None, "", "negotiating")):
                    raise RuntimeError(f"no end-to-end encryption: EndToEndReason {reason!r}, "
                                       f"Encryption {w.get(p, 'Encryption')!r}")
            return False
        wait_for(progress, "confabd's SecurityCode on both sides")
        b = callee_path()
        a_props = call_props(caller["daemon"], path)
        b_props = call_props(callee["daemon"], b)
        res = {
            "active_ms": 1000 * (times.get("active", times["caller_code"]) - t_dial),
            "caller_ms": 1000 * (times["caller_code"] - t_dial),
            "callee_ms": 1000 * (times["callee_code"] - t_dial),
            "caller_code": str(a_props["SecurityCode"]),
            "callee_code": str(b_props["SecurityCode"]),
            "caller_sas": str(a_props.get("Sas", "")),
            "callee_sas": str(b_props.get("Sas", "")),
            "encryption": str(a_props.get("Encryption", "")),
        }
        res["match"] = (res["caller_code"] == res["callee_code"]
                        and res["caller_sas"] == res["callee_sas"])
        call_iface(caller["daemon"], path).Hangup()
        wait_for(lambda: caller["watch"].get(path, "State") == "ended", "confabd hangup")
        return res
    finally:
        for p in peers.values():
            p["watch"].close()
            p["daemon"].stop()
        for bus in buses:
            bus.close()


# ---- linphonec ----

def linphone_dial_to_code(key_agreement, workdir):
    """One linphonec -> linphonec call with ZRTP (fresh instances): times in ms from the
    "call" command (to "connected", to each side's "fully encrypted ... auth token" line),
    the SAS of each side, the algorithms bzrtp logged and which side ended up initiator."""
    import linphone_zrtp as lz
    alice, bob, ra, rb, t_call = lz.linphone_pair_call(workdir, (key_agreement,),
                                                       record=False)
    try:
        connected = alice.wait_match(lz.RE_CONNECTED.format(id=ra.call_id))[2]
        algos = alice.wait_zrtp_log()
        sent = [t for _, d, t in alice.zrtp_packets() if d == "Send"]
        res = {
            "active_ms": 1000 * (connected - t_call),
            "caller_ms": 1000 * (ra.seen_at - t_call),
            "callee_ms": 1000 * (rb.seen_at - t_call),
            "caller_sas": ra.sas, "callee_sas": rb.sas,
            "match": ra.sas == rb.sas and ra.fully_encrypted and rb.fully_encrypted,
            "negotiated": algos["key_agreement"], "cipher": algos["cipher"],
            "hash": algos["hash"], "auth_tag": algos["auth_tag"],
            # The initiator sends DHPart2 (both sides send a Commit; RFC 6189 §4.2).
            "initiator": "caller" if "DHPart2" in sent else "callee",
        }
        mark = alice.mark()
        alice.terminate()
        alice.wait_ended(ra.call_id, mark)
        return res
    finally:
        bob.stop()
        alice.stop()


# ---- report ----

def cell(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def report(results, ctx):
    out = [f"# Dial to security code, {ctx.started}", "",
           f"Machine: {ctx.machine}. confabd: {ctx.confab}. {ctx.runs} calls per pair and key "
           f"agreement, one at a time, fresh endpoints each call (no cached secrets).", "",
           "Milliseconds, median (min-max), from placing the call.", ""]
    for ka in ctx.key_agreements:
        out += [f"## {ka}", "",
                "| pair | to answered | to code, caller | to code, callee | answered -> code "
                "(caller) | calls | codes match |",
                "|---|---|---|---|---|---|---|"]
        med = {}
        for pair in ("confabd", "linphonec"):
            rs = [r for r in results if r["pair"] == pair and r["key_agreement"] == ka]
            ok = [r for r in rs if "caller_ms" in r]
            errors = sorted({r["error"] for r in rs if "error" in r})
            if not ok:
                why = "; ".join(errors) or "not run"
                out.append(f"| {pair} | not available: {why} | | | | 0/{len(rs)} | |")
                continue
            caller = [r["caller_ms"] for r in ok]
            med[pair] = statistics.median(caller)
            out.append(f"| {pair} | {cell([r['active_ms'] for r in ok])} | {cell(caller)} | "
                       f"{cell([r['callee_ms'] for r in ok])} | "
                       f"{cell([r['caller_ms'] - r['active_ms'] for r in ok])} | "
                       f"{len(ok)}/{len(rs)} | {sum(r['match'] for r in ok)}/{len(ok)} |")
            if errors:
                out.append(f"|  | errors: {'; '.join(errors)} | | | | | |")
        if "confabd" in med and "linphonec" in med:
            out.append(f"| **confabd / linphonec** | | **{med['confabd'] / med['linphonec']:.2f}** "
                       "| | | | |")
        else:
            out.append("| **confabd / linphonec** | | n/a | | | | |")
        lp = [r for r in results if r["pair"] == "linphonec" and r["key_agreement"] == ka
              and "caller_ms" in r]
        if lp:
            algos = sorted({f"{r['negotiated']}, {r['cipher']}, {r['hash']}, {r['auth_tag']}"
                            for r in lp})
            init = sum(r["initiator"] == "caller" for r in lp)
            out += ["", f"linphonec negotiated: {'; '.join(algos)}. Initiator after Commit "
                        f"contention: the caller in {init}/{len(lp)} calls."]
        out.append("")
    return "\n".join(out)


def confab_source(build):
    git = os.popen(f"git -C {SOURCE_DIR} rev-parse --short HEAD 2>/dev/null").read().strip()
    return f"{build}" + (f" (this checkout: {git})" if git else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("CONFAB_BUILD_DIR", "/work/build-bench"),
                    help="confabd build directory (a release build)")
    ap.add_argument("--runs", type=int, default=10, help="calls per pair and key agreement")
    ap.add_argument("--key-agreements", default="X255,DH3K")
    ap.add_argument("--pairs", default="confabd,linphonec")
    ap.add_argument("--pipewire", choices=("auto", "yes", "no"), default="auto",
                    help="a headless PipeWire for confabd's audio (tests/pipewire)")
    ap.add_argument("--workdir", help="where to keep everything (default: a temporary dir)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    if not in_loopback_netns():
        if os.environ.get(IN_NETNS_ENV):
            sys.exit("sas-time.py: not in a loopback-only network namespace")
        env = dict(os.environ, **{IN_NETNS_ENV: "1"})
        os.execvpe(NETNS_RUN, [NETNS_RUN, sys.executable, os.path.abspath(__file__)]
                   + sys.argv[1:], env)

    build = os.path.abspath(args.build)
    os.environ["CONFAB_BUILD_DIR"] = build
    os.environ.pop("G_MESSAGES_DEBUG", None)
    for sub in ("integration", "interop", "pipewire"):
        sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", sub))
    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    if "confabd" in pairs and not os.access(os.path.join(build, "daemon", "confabd"), os.X_OK):
        sys.exit(f"no confabd in {build}: meson setup {build} {SOURCE_DIR} "
                 f"--buildtype=release && ninja -C {build} (or --pairs linphonec)")

    ctx = argparse.Namespace()
    ctx.runs = args.runs
    ctx.key_agreements = [k.strip().upper() for k in args.key_agreements.split(",")]
    ctx.started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    with open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                     "?")
    ctx.machine = f"{os.cpu_count()} x {model}, Linux {platform.release()}"
    ctx.confab = confab_source(build) if "confabd" in pairs else "not run"
    workdir = args.workdir or tempfile.mkdtemp(prefix="confab-sas-time-")
    os.makedirs(workdir, exist_ok=True)

    pw = None
    ctx.pw_nodes = None
    want_pw = "confabd" in pairs and (args.pipewire == "yes" or (
        args.pipewire == "auto" and shutil.which("pipewire") and shutil.which("wireplumber")))
    results = []
    try:
        if want_pw:
            import pw_harness
            for k in pw_harness._FOREIGN_ENV:
                os.environ.pop(k, None)
            pw = pw_harness.PipeWire(os.path.join(workdir, "pw"))
            pw.start()
            os.environ.update(pw.env())
            # tests/pipewire/confab-test-pipewire.conf: each side its microphone and speaker.
            ctx.pw_nodes = {"caller": {"mic": "lab_loopmic", "speaker": "lab_sink2"},
                            "callee": {"mic": "lab_loopmic2", "speaker": "lab_sink"}}
        for run in range(1, args.runs + 1):
            for ka in ctx.key_agreements:
                for pair in pairs:
                    d = os.path.join(workdir, f"{pair}-{ka}-{run}")
                    os.makedirs(d, exist_ok=True)
                    res = {"pair": pair, "key_agreement": ka, "run": run}
                    try:
                        if pair == "confabd":
                            res.update(confab_dial_to_code(ctx, ka, d))
                        elif pair == "linphonec":
                            res.update(linphone_dial_to_code(ka, d))
                        else:
                            raise ValueError(f"unknown pair {pair!r}")
                        log(f"{pair} {ka} run {run}: code after {res['caller_ms']:.0f} ms "
                            f"(caller), {res['callee_ms']:.0f} ms (callee)")
                    except Exception as exc:  # one call failing does not lose the others
                        res["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
                        log(f"{pair} {ka} run {run}: failed: {res['error']}")
                    results.append(res)
    finally:
        if pw is not None:
            pw.stop()
        text = report(results, ctx) if results else "no results"
        print(text)
        doc = {"started": ctx.started, "machine": ctx.machine, "confabd": ctx.confab,
               "runs": ctx.runs, "results": results}
        with open(os.path.join(workdir, "results.json"), "w") as f:
            json.dump(doc, f, indent=1)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
        if args.workdir:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
