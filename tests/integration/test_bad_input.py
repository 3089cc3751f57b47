# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile and malformed SIP never crashes, hangs or grows the daemon: it gets a
clean reply or is dropped, and the daemon keeps serving D-Bus and calls."""
import os
import socket

import dbus

from confab_harness import Peer, call_props, dial, establish

GARBAGE = [
    b"",
    b"\r\n\r\n",
    b"\x00\x01\x02\x03" * 100,
    b"INVITE\r\n\r\n",
    b"INVITE sip:bob@127.0.0.1 SIP/2.0\r\n\r\n",
    b"INVITE sip:bob@127.0.0.1 SIP/3.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n\r\n",
    b"SIP/2.0 200 OK\r\nVia: garbage\r\n\r\n",
    b"SIP/2.0 999999999999 Huh\r\n\r\n",
    b"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n"
    b"Content-Length: 99999999\r\n\r\n",
    b"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n" + b"X-Bomb: a\r\n" * 5000 + b"\r\n",
    b"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nSubject: " + b"x" * 60000 + b"\r\n\r\n",
    b"OPTIONS <sip:bob@127.0.0.1> SIP/2.0\r\n\r\n",
    b"\xff\xfe" + "INVITE sip:ü@ß SIP/2.0\r\n\r\n".encode(),
]


def valid_headers(branch, call_id, method="OPTIONS", cseq=1):
    return (f"{method} sip:bob@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{branch}\r\n"
            f"From: <sip:mallory@127.0.0.1>;tag=m{branch}\r\n"
            f"To: <sip:bob@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_malformed_batch_then_normal_call(alice, bob):
    target_udp = ("127.0.0.1", bob.port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(30)

    # A request that is malformed but has what a response needs gets a 400.
    bad = (valid_headers("bad1", "bad-cseq").replace("CSeq: 1 OPTIONS", "CSeq: many OPTIONS")
           + "\r\n").encode()
    bad = bad.replace(b"127.0.0.1:9", f"127.0.0.1:{udp.getsockname()[1]}".encode())
    udp.sendto(bad, target_udp)
    reply = udp.recv(65535)
    assert reply.startswith(b"SIP/2.0 400"), reply[:80]

    rss_before = rss_kib(bob.daemon.proc.pid)
    for round_ in range(40):
        for i, g in enumerate(GARBAGE):
            udp.sendto(g[:65000], target_udp)
        # Requests with bad bodies and odd but legal forms.
        sdp_bomb = valid_headers(f"s{round_}", f"sdp-{round_}", "INVITE") + \
            "Contact: <sip:mallory@127.0.0.1:9>\r\nContent-Type: application/sdp\r\n" \
            "Content-Length: 20\r\n\r\nv=0\r\nthis is not sdp\r\n"
        udp.sendto(sdp_bomb.encode(), target_udp)
        udp.sendto((valid_headers(f"b{round_}", f"stray-{round_}", "BYE") +
                    "\r\n").replace("To: <sip:bob@127.0.0.1>", "To: <sip:bob@127.0.0.1>;tag=x")
                   .encode(), target_udp)

    # TCP: garbage on one connection, an oversized message on another, a
    # connection left half-open; the listener keeps serving.
    for payload in (b"\x00" * 70000, GARBAGE[9], b"INVITE sip:x SIP/2.0\r\nContent-Length: 5"):
        s = socket.create_connection(("127.0.0.1", bob.port), timeout=30)
        try:
            s.sendall(payload)
        except OSError:
            pass
        s.close()

    # The daemon still answers D-Bus and takes a normal call, over UDP and TCP.
    assert bob.daemon.get("Version")
    for transport in ("udp", "tcp"):
        a, b = establish(alice, bob, transport)
        alice.call(a).Hangup()
        bob.watch.wait_state(b, "ended")
    assert bob.daemon.proc.poll() is None

    # It did not keep what it was sent: a few MiB of slack, not the batch's size.
    growth = rss_kib(bob.daemon.proc.pid) - rss_before
    assert growth < 8 * 1024, f"RSS grew by {growth} KiB"


def test_options_is_answered(bob):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(30)
    msg = valid_headers("opt1", "options-1").replace(
        "127.0.0.1:9", f"127.0.0.1:{udp.getsockname()[1]}") + "\r\n"
    udp.sendto(msg.encode(), ("127.0.0.1", bob.port))
    reply = udp.recv(65535).decode()
    assert reply.startswith("SIP/2.0 200")
    assert "Allow: " in reply and "INVITE" in reply and "MESSAGE" in reply


def test_too_many_calls_get_busy(make_daemon, alice):
    bob = Peer(make_daemon, "bob")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(30)
    port = udp.getsockname()[1]
    statuses = []
    for i in range(40):
        inv = (valid_headers(f"flood{i}", f"flood-{i}", "INVITE")
               .replace("127.0.0.1:9", f"127.0.0.1:{port}")
               + f"Contact: <sip:mallory@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n")
        udp.sendto(inv.encode(), ("127.0.0.1", bob.port))
        # Read until this INVITE's final or ringing answer.
        while True:
            r = udp.recv(65535).decode(errors="replace")
            if f"Call-ID: flood-{i}" in r and not r.startswith("SIP/2.0 100"):
                statuses.append(int(r.split()[1]))
                break
    assert statuses.count(180) == 32, statuses
    assert all(s == 486 for s in statuses[32:]), statuses
    # Alice can't get through either while bob is full...
    a = dial(alice.daemon, bob.uri())
    alice.watch.wait_state(a, "ended")
    assert call_props(alice.daemon, a)["EndReason"] == "busy"
    assert bob.daemon.get("Version")


def test_dribbled_stream_is_framed(bob):
    """A peer sending a TCP message a byte at a time still gets its answer
    (the framer waits for the end of the headers, then for the body, without
    rescanning everything on every byte)."""
    s = socket.create_connection(("127.0.0.1", bob.port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port = s.getsockname()[1]
    body = "not a chat outside a call"
    msg = (valid_headers("drib1", "dribble-1", "MESSAGE")
           .replace("SIP/2.0/UDP 127.0.0.1:9", f"SIP/2.0/TCP 127.0.0.1:{port}")
           + f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    for i in range(len(msg)):
        s.sendall(msg[i].encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        reply += s.recv(65535)
    assert reply.startswith(b"SIP/2.0 403"), reply[:60]
    # Then a second message on the same connection, headers and body apart.
    msg2 = (valid_headers("drib2", "dribble-2", "OPTIONS")
            .replace("SIP/2.0/UDP 127.0.0.1:9", f"SIP/2.0/TCP 127.0.0.1:{port}")
            + "Content-Length: 4\r\n\r\n")
    s.sendall(msg2.encode())
    s.sendall(b"abcd")
    reply = b""
    while b"dribble-2" not in reply:
        reply += s.recv(65535)
    assert b"SIP/2.0 200" in reply
    s.close()
