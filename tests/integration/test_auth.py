# SPDX-License-Identifier: GPL-3.0-or-later
"""Digest authentication of INVITE (RFC 3261 §22, RFC 8760): confabd answers a
401 challenge once, with credentials that an independent implementation (here,
hashlib) accepts."""
import hashlib
import re
import socket

import pytest

from confab_harness import CallWatcher, call_props, dial, free_port, peer_config


def parse_request(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return lines[0], headers, body


def response(status, reason, headers, extra=""):
    keep = "".join(f"{n}: {v}\r\n" for n in ("via", "from", "call-id", "cseq")
                   for v in headers[n])
    to = headers["to"][0] + ("" if "tag=" in headers["to"][0] else ";tag=srv1")
    return (f"SIP/2.0 {status} {reason}\r\n{keep}To: {to}\r\n{extra}"
            f"Content-Length: 0\r\n\r\n").encode()


def digest(algorithm, user, realm, password, method, uri, nonce, nc, cnonce, qop):
    h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5
    ha1 = h(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = h(f"{method}:{uri}".encode()).hexdigest()
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode()).hexdigest()


def params(value):
    assert value.startswith("Digest ")
    return {k.lower(): v1 or v2 for k, v1, v2 in
            re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', value[len("Digest "):])}


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
@pytest.mark.parametrize("right_password", [True, False])
def test_invite_digest(make_daemon, tmp_path, algorithm, right_password):
    password_file = tmp_path / "password"
    password_file.write_text("s3cret pass\n")
    password_file.chmod(0o600)
    port = free_port()
    alice = make_daemon("alice", own_bus=True, config=alice_config(port, password_file)).start()
    watch = CallWatcher(alice)

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(30)
    uri = f"sip:carol@127.0.0.1:{server.getsockname()[1]}"
    a = dial(alice, uri)

    data, peer = server.recvfrom(65535)
    line, headers, _ = parse_request(data)
    assert line.startswith("INVITE ") and "authorization" not in headers
    challenge = (f'Digest realm="confab-test", nonce="n0nce{algorithm}", '
                 f'algorithm={algorithm}, qop="auth", opaque="op4que"')
    server.sendto(response(401, "Unauthorized", headers, f"WWW-Authenticate: {challenge}\r\n"),
                  peer)
    # The transaction's ACK for the 401, then the new INVITE with credentials.
    while True:
        data, peer = server.recvfrom(65535)
        line, headers2, _ = parse_request(data)
        if line.startswith("INVITE "):
            break
        assert line.startswith("ACK ")
    assert headers2["call-id"] == headers["call-id"]
    assert int(headers2["cseq"][0].split()[0]) == int(headers["cseq"][0].split()[0]) + 1
    p = params(headers2["authorization"][0])
    assert p["username"] == "alice" and p["realm"] == "confab-test"
    assert p["opaque"] == "op4que" and p["uri"] == uri
    assert p.get("algorithm", "MD5") == algorithm
    expected = digest(algorithm, "alice", "confab-test",
                      "s3cret pass" if right_password else "wrong",
                      "INVITE", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"])
    if right_password:
        assert p["response"] == expected
        server.sendto(response(603, "Decline", headers2), peer)
        watch.wait_state(a, "ended")
        assert call_props(alice, a)["EndReason"] == "rejected"
    else:
        # As a server with another password would: challenge again.
        assert p["response"] != expected
        server.sendto(response(401, "Unauthorized", headers2,
                               f"WWW-Authenticate: {challenge}\r\n"), peer)
        watch.wait_state(a, "ended")
        assert call_props(alice, a)["EndReason"] == "failed"


def alice_config(port, password_file):
    return (peer_config("alice", port, transports=("udp",))
            .replace("display-name = Alice\n",
                     f"display-name = Alice\nusername = alice\npassword-file = {password_file}\n"))
