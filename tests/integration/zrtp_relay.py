# SPDX-License-Identifier: GPL-3.0-or-later
"""A SIP and media relay between two daemons, for the ZRTP attack tests.

Signaling: a stateless proxy on one UDP socket. Alice dials
sip:bob@127.0.0.1:<relay.port>; what comes from one daemon's SIP port goes to
the other's. Requests get our Via on top (and the initial INVITE a
Record-Route, so that re-INVITEs and BYEs come through us too); responses lose
our Via. Every SDP body is rewritten so that the media comes through the
relay's own sockets (m= port), without ICE (so both sides send plain RTP to
c=/m=), and with a=zrtp-hash handled as the mode says.

Media: one UDP socket faces each daemon; packets are forwarded to the other
side and recorded in one global order: ZRTP messages by type, and every
version-2 packet (RTP, RTCP, SRTP) as "rtp".

Modes:
  pass                  forward everything
  strip-zrtp-hash       drop a=zrtp-hash from every SDP
  strip-answer          drop a=zrtp-hash from the answer to the first INVITE only
  strip-reinvite        drop a=zrtp-hash from re-INVITE offers only
  strip-reinvite-answer drop a=zrtp-hash from answers to re-INVITEs only
  tamper-<type>         flip one byte inside the body of every ZRTP <type>
                        message (DHPart1, DHPart2, Confirm1, Confirm2) and
                        recompute the CRC, so the packet is well formed and
                        only the protocol's own checks can catch it
  mitm                  cf-zrtp-mitm terminates ZRTP towards each side with
                        ZIDs and hash chains of its own; its a=zrtp-hash values
                        replace the daemons' in the SDP each side receives, so
                        the Hello hash checks pass; other media is dropped
  mitm-keep-hash        the same MITM, but the SDP keeps the daemons' own
                        a=zrtp-hash values (an attacker in the media path only)
"""
import hashlib
import os
import re
import select
import socket
import struct
import subprocess
import threading

ZRTP_COOKIE = b"ZRTP"
TAMPER_TYPES = {"tamper-dhpart1": "DHPart1", "tamper-dhpart2": "DHPart2",
                "tamper-confirm1": "Confirm1", "tamper-confirm2": "Confirm2"}
MODES = ("pass", "strip-zrtp-hash", "strip-answer", "strip-reinvite",
         "strip-reinvite-answer", "mitm", "mitm-keep-hash") + tuple(TAMPER_TYPES)
ICE_ATTRIBUTES = ("ice-ufrag", "ice-pwd", "candidate", "ice-options", "ice-lite",
                  "end-of-candidates", "remote-candidates")


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), as RFC 6189 §5 uses it (RFC 3309)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def zrtp_type(packet):
    """The message type of a ZRTP packet ("Hello", "DHPart1"...), or None."""
    if len(packet) < 28 or packet[0] >> 4 != 1 or packet[4:8] != ZRTP_COOKIE:
        return None
    return packet[16:24].decode("ascii", "replace").strip()


def crc_ok(packet):
    return crc32c(packet[:-4]) == struct.unpack("<I", packet[-4:])[0]


def tamper(packet, offset):
    """@packet with the byte at @offset (from the message start) flipped and a
    new CRC: well formed, wrong content."""
    p = bytearray(packet)
    p[12 + offset] ^= 0x5A
    p[-4:] = struct.pack("<I", crc32c(bytes(p[:-4])))
    return bytes(p)


# Inside the message (RFC 6189 §5.5, §5.7): DHPart: 12 bytes of header, H1
# (32), four secret IDs (32), then pvr/pvi: flip a byte of the public value.
# Confirm: header, confirm_mac (8), CFB IV (16), then the encrypted part
# (H0 first): flip a byte of it.
# Hello (§5.2): after the 12-byte packet and message headers, version (4),
# client identifier (16), H3 (32), then the ZID.
HELLO_ZID = 12 + 12 + 4 + 16 + 32
TAMPER_OFFSET = {"DHPart1": 12 + 32 + 32 + 5, "DHPart2": 12 + 32 + 32 + 5,
                 "Confirm1": 12 + 8 + 16 + 3, "Confirm2": 12 + 8 + 16 + 3}


def packet_kind(packet):
    """"zrtp:<type>", "rtp" (any version-2 packet: RTP, RTCP, SRTP, SRTCP),
    "stun" or "other"."""
    t = zrtp_type(packet)
    if t is not None:
        return "zrtp:" + t
    if packet and packet[0] >> 6 == 2:
        return "rtp"
    if len(packet) >= 8 and packet[0] >> 6 == 0 and packet[4:8] == b"\x21\x12\xa4\x42":
        return "stun"
    return "other"


class SipMessage:
    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = [tuple(x.strip() for x in line.split(":", 1))
                        for line in lines[1:] if ":" in line]
        self.body = body

    @property
    def is_request(self):
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self):
        return self.start.split(" ", 1)[0]

    def get(self, name, short=None):
        for k, v in self.headers:
            if k.lower() == name.lower() or (short and k.lower() == short):
                return v
        return None

    def cseq(self):
        num, method = (self.get("CSeq") or "0 X").split()
        return int(num), method

    def to_has_tag(self):
        return ";tag=" in (self.get("To", "t") or "")

    def call_id(self):
        return self.get("Call-ID", "i")

    def remove_first(self, name, short=None):
        for i, (k, v) in enumerate(self.headers):
            if k.lower() == name.lower() or (short and k.lower() == short):
                # A header may hold several comma-separated values: only the first goes.
                rest = v.split(",", 1)
                if len(rest) == 2:
                    self.headers[i] = (k, rest[1].strip())
                else:
                    del self.headers[i]
                return v
        return None

    def is_sdp(self):
        return (self.get("Content-Type", "c") or "").lower().startswith("application/sdp")

    def encode(self):
        headers = [(k, v) for k, v in self.headers if k.lower() not in ("content-length", "l")]
        body = self.body.encode()
        headers.append(("Content-Length", str(len(body))))
        head = "\r\n".join([self.start] + [f"{k}: {v}" for k, v in headers])
        return head.encode() + b"\r\n\r\n" + body


class ZrtpRelay:
    """Starts at once in a thread of its own; close() stops it."""

    def __init__(self, alice_sip_port, bob_sip_port, mode="pass", mitm=None, mitm_args=()):
        assert mode in MODES, mode
        self.mode = mode
        self.sip_ports = {"a": alice_sip_port, "b": bob_sip_port}
        self.sip = self._socket()
        self.port = self.sip.getsockname()[1]
        self.media = {"a": self._socket(), "b": self._socket()}  # facing alice, bob
        self.media_addr = {"a": None, "b": None}
        self.lock = threading.Lock()
        self.events = []          # (seq, direction "a2b"/"b2a"/"m2a"/"m2b", kind)
        self.tampered = 0
        self.sdp_seen = []        # (direction, request/response line, SDP as received)
        self.sdp_sent = []        # the same, as forwarded
        self.hashes = {}          # side -> the a=zrtp-hash value that side advertised
        self.zids = {}            # side -> the ZID in its first Hello (hex)
        self.reinvites = set()    # (Call-ID, CSeq) of re-INVITEs
        self.mitm = None
        self.mitm_hashes = {}
        self.mitm_results = {}    # "A"/"B" -> ("SECURE", sas, code) or ("FAILED", reason)
        self.mitm_buffer = b""
        if mode.startswith("mitm"):
            assert mitm is not None, "mitm mode needs the cf-zrtp-mitm program"
            self.mitm = subprocess.Popen([mitm] + list(mitm_args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
            while True:
                line = self.mitm.stdout.readline().decode().strip()
                assert line, "cf-zrtp-mitm exited at start"
                if line == "READY":
                    break
                word, leg, value = line.split(" ", 2)
                assert word == "HASH", line
                self.mitm_hashes[leg] = value
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _socket():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        return s

    def uri(self, user="bob"):
        return f"sip:{user}@127.0.0.1:{self.port}"

    def close(self):
        os.write(self.stop_w, b"x")
        self.thread.join()
        if self.mitm is not None:
            try:
                self.mitm.stdin.write(b"QUIT\n")
                self.mitm.stdin.flush()
            except BrokenPipeError:
                pass
            self.mitm.wait(timeout=10)
        for s in [self.sip] + list(self.media.values()):
            s.close()
        os.close(self.stop_r)
        os.close(self.stop_w)

    # ---- the loop ----

    def _run(self):
        fds = [self.stop_r, self.sip, self.media["a"], self.media["b"]]
        if self.mitm is not None:
            fds.append(self.mitm.stdout.fileno())
        while True:
            ready, _, _ = select.select(fds, [], [])
            if self.stop_r in ready:
                return
            if self.sip in ready:
                data, src = self.sip.recvfrom(65536)
                self._on_sip(data, src)
            for side in ("a", "b"):
                if self.media[side] in ready:
                    data, src = self.media[side].recvfrom(65536)
                    self._on_media(side, data, src)
            if self.mitm is not None and self.mitm.stdout.fileno() in ready:
                chunk = os.read(self.mitm.stdout.fileno(), 65536)
                if not chunk:
                    fds.remove(self.mitm.stdout.fileno())
                    continue
                self.mitm_buffer += chunk
                while b"\n" in self.mitm_buffer:
                    line, self.mitm_buffer = self.mitm_buffer.split(b"\n", 1)
                    self._on_mitm(line.decode())

    def _record(self, direction, kind):
        with self.lock:
            self.events.append((len(self.events), direction, kind))

    # ---- media ----

    def _on_media(self, side, data, src):
        other = "b" if side == "a" else "a"
        # Symmetric RTP: what a daemon sends from is where it receives.
        self.media_addr[side] = src
        kind = packet_kind(data)
        self._record(f"{side}2{other}", kind)
        if kind == "zrtp:Hello" and len(data) >= HELLO_ZID + 12:
            with self.lock:
                self.zids.setdefault(side, data[HELLO_ZID:HELLO_ZID + 12].hex())
        if self.mitm is not None:
            if kind.startswith("zrtp:"):
                self._mitm_send(f"{side.upper()} {data.hex()}")
            return  # no SRTP re-encryption: the codes are what the test compares
        target = TAMPER_TYPES.get(self.mode)
        if target is not None and kind == "zrtp:" + target and crc_ok(data):
            data = tamper(data, TAMPER_OFFSET[target])
            with self.lock:
                self.tampered += 1
        if self.media_addr[other] is not None:
            self.media[other].sendto(data, self.media_addr[other])

    def _mitm_send(self, line):
        try:
            self.mitm.stdin.write(line.encode() + b"\n")
            self.mitm.stdin.flush()
        except BrokenPipeError:
            pass

    def _on_mitm(self, line):
        if line.startswith("SECURE\t") or line.startswith("FAILED\t"):
            fields = line.split("\t")
            with self.lock:
                self.mitm_results[fields[1]] = tuple([fields[0]] + fields[2:])
            return
        leg, _, hexdata = line.partition(" ")
        side = leg.lower()
        if side not in ("a", "b") or not hexdata:
            return
        data = bytes.fromhex(hexdata)
        self._record(f"m2{side}", packet_kind(data))
        if self.media_addr[side] is not None:
            self.media[side].sendto(data, self.media_addr[side])

    # ---- signaling ----

    def _on_sip(self, data, src):
        if src[1] == self.sip_ports["a"]:
            side, other = "a", "b"
        elif src[1] == self.sip_ports["b"]:
            side, other = "b", "a"
        else:
            return
        msg = SipMessage(data)
        if msg.is_request:
            route = msg.get("Route")
            if route is not None and f"127.0.0.1:{self.port}" in route.split(",")[0]:
                msg.remove_first("Route")
            branch = re.search(r"branch=([^;,\s]+)", msg.get("Via", "v") or "")
            ours = "z9hG4bK" + hashlib.sha1(
                (branch.group(1) if branch else data.decode(errors="replace")).encode()).hexdigest()[:16]
            msg.headers.insert(0, ("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch={ours};rport"))
            if msg.method == "INVITE" and not msg.to_has_tag():
                msg.headers.insert(1, ("Record-Route", f"<sip:127.0.0.1:{self.port};lr>"))
            if msg.method == "INVITE" and msg.to_has_tag():
                with self.lock:
                    self.reinvites.add((msg.call_id(), msg.cseq()[0]))
        else:
            msg.remove_first("Via", "v")
        if msg.body and msg.is_sdp():
            msg.body = self._rewrite_sdp(msg, side, other)
        self.sip.sendto(msg.encode(), ("127.0.0.1", self.sip_ports[other]))

    def _strip_hash(self, msg):
        if self.mode == "strip-zrtp-hash":
            return True
        with self.lock:
            reinvite = (msg.call_id(), msg.cseq()[0]) in self.reinvites
        if self.mode == "strip-reinvite":
            return msg.is_request and reinvite
        if self.mode == "strip-answer":
            return not msg.is_request and msg.cseq()[1] == "INVITE" and not reinvite
        if self.mode == "strip-reinvite-answer":
            return not msg.is_request and msg.cseq()[1] == "INVITE" and reinvite
        return False

    def _rewrite_sdp(self, msg, side, other):
        """SDP from @side, as @other is to see it."""
        with self.lock:
            self.sdp_seen.append((f"{side}2{other}", msg.start, msg.body))
        out = []
        strip = self._strip_hash(msg)
        for line in msg.body.split("\r\n"):
            if line.startswith("m=audio "):
                words = line.split(" ")
                # The other side sends to the socket that faces it.
                words[1] = str(self.media[other].getsockname()[1])
                line = " ".join(words)
            elif line.startswith("a="):
                name, _, value = line[2:].partition(":")
                if name in ICE_ATTRIBUTES or name in ("rtcp",):
                    continue
                if name == "zrtp-hash":
                    with self.lock:
                        self.hashes.setdefault(side, value)
                    if strip:
                        continue
                    if self.mode == "mitm":
                        leg = side.upper()
                        self._mitm_send(f"PEERHASH {leg} {value}")
                        # The other side checks the Hello of the leg facing it.
                        line = f"a=zrtp-hash:{self.mitm_hashes[other.upper()]}"
            out.append(line)
        body = "\r\n".join(out)
        with self.lock:
            self.sdp_sent.append((f"{side}2{other}", msg.start, body))
        return body

    # ---- what the tests read ----

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def roles(self):
        return roles(self.snapshot())


def roles(events):
    """{"initiator": side, "responder": side} from who sent DHPart2 / DHPart1."""
    sent = {k: d[0] for _, d, k in events if d in ("a2b", "b2a")}
    found = {}
    if "zrtp:DHPart1" in sent:
        found["responder"] = sent["zrtp:DHPart1"]
    if "zrtp:DHPart2" in sent:
        found["initiator"] = sent["zrtp:DHPart2"]
    return found


def early_media(events):
    """The version-2 packets (RTP, SRTP, RTCP) that crossed the relay before
    their sender's ZRTP completed: the responder's before it sent Conf2ACK,
    the initiator's before the relay handed it the Conf2ACK. Both are the
    same point in the relay's single order. AssertionError when the events
    show no complete ZRTP exchange."""
    r = roles(events)
    assert set(r) == {"initiator", "responder"} and r["initiator"] != r["responder"], r
    from_resp = f"{r['responder']}2{r['initiator']}"
    acks = [seq for seq, d, k in events if d == from_resp and k == "zrtp:Conf2ACK"]
    assert acks, "no Conf2ACK crossed the relay"
    return [e for e in events if e[2] == "rtp" and e[0] < acks[0]]
