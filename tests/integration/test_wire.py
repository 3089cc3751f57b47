# SPDX-License-Identifier: GPL-3.0-or-later
"""What a call between two daemons puts on the wire.

Runs through tests/netns-run: in a network namespace of its own the test is
root and loopback is its only interface, so it can capture every frame on
"lo" with an AF_PACKET socket. Alice calls Bob over UDP SIP (so the SDP with
its a=crypto keys is readable on the wire), media flows both ways, and the
capture must show that every RTP and RTCP packet between the two media
addresses is SRTP/SRTCP: it decrypts and authenticates with the key that the
sender advertised in its SDP (RFC 4568), by an implementation of RFC 3711
and RFC 7714 written here from the RFCs on top of python3-cryptography's AES
and HMAC, checked first against the RFCs' own test vectors. The decrypted
payloads are Opus packets (RFC 6716), and none of them ever crosses the wire
in the clear. Both daemons prefer AEAD_AES_128_GCM; a second test offers the
daemon AES_CM_128_HMAC_SHA1_80 only, from a SIP caller written here, and
checks that suite both ways: the daemon's packets decrypt here, and packets
protected here are accepted by the daemon (and forged or replayed ones are
not).
"""
import base64
import hashlib
import hmac
import os
import re
import socket
import struct
import threading

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confab_harness import GUARD_SECONDS, Peer, call_props, establish, wait_until

# ---- SRTP, RFC 3711 and RFC 7714, independent of libsrtp --------------------

# RFC 4568 §6.2 and RFC 7714 §14.1: master key and salt lengths, SRTP and
# SRTCP authentication tag lengths.
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": {"key": 16, "salt": 14, "tag": 10, "rtcp_tag": 10},
    "AEAD_AES_128_GCM": {"key": 16, "salt": 12, "tag": 16, "rtcp_tag": 16},
}

# RFC 3711 §4.3.2: key derivation labels.
LABEL_RTP_ENC, LABEL_RTP_AUTH, LABEL_RTP_SALT = 0x00, 0x01, 0x02
LABEL_RTCP_ENC, LABEL_RTCP_AUTH, LABEL_RTCP_SALT = 0x03, 0x04, 0x05


class AuthError(Exception):
    """The packet does not authenticate with this key."""


def aes_cm_keystream(key, iv, length):
    """RFC 3711 §4.1.1: AES in counter mode, the 128-bit IV the first counter
    block, the counter incremented modulo 2^128 (it never carries out of the
    low 16 bits here)."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(bytes(length)) + enc.finalize()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def kdf(master_key, master_salt, label, length):
    """RFC 3711 §4.3.1/§4.3.3 with a key derivation rate of 0 (RFC 4568's
    default: no KDR parameter in the a=crypto line): x = (label << 48) XOR
    master_salt over 112 bits, the session key the AES-CM keystream with
    IV x * 2^16. RFC 7714's 96-bit master salt is first multiplied by 2^16
    (erratum 4938 to RFC 7714 §11) to make the 112-bit salt of that KDF."""
    salt = master_salt + bytes(14 - len(master_salt))
    key_id = bytes([0] * 7 + [label] + [0] * 6)  # label || r, r = 0
    x = xor(key_id, salt)
    return aes_cm_keystream(master_key, x + b"\0\0", length)


class SrtpContext:
    """One direction's SRTP and SRTCP session keys (RFC 3711 §4.3) and the
    receiver's rollover counter per SSRC (§3.3.1)."""

    def __init__(self, suite, master):
        info = SUITES[suite]
        assert len(master) == info["key"] + info["salt"]
        self.suite = suite
        self.tag = info["tag"]
        self.rtcp_tag = info["rtcp_tag"]
        key, salt = master[:info["key"]], master[info["key"]:]
        gcm = suite.startswith("AEAD")
        self.rtp_key = kdf(key, salt, LABEL_RTP_ENC, 16)
        self.rtp_salt = kdf(key, salt, LABEL_RTP_SALT, 12 if gcm else 14)
        self.rtcp_key = kdf(key, salt, LABEL_RTCP_ENC, 16)
        self.rtcp_salt = kdf(key, salt, LABEL_RTCP_SALT, 12 if gcm else 14)
        if not gcm:
            # RFC 3711 §4.3.2 and RFC 4568 §6.2.1: HMAC-SHA1 keys of 160 bits
            self.rtp_auth = kdf(key, salt, LABEL_RTP_AUTH, 20)
            self.rtcp_auth = kdf(key, salt, LABEL_RTCP_AUTH, 20)
        self.gcm = gcm
        self.roc = {}  # ssrc -> (s_l, roc)

    def estimate_index(self, ssrc, seq):
        """RFC 3711 §3.3.1 and Appendix A: the receiver's guess of the
        sender's ROC from the highest sequence number seen so far."""
        if ssrc not in self.roc:
            return 0, seq
        s_l, roc = self.roc[ssrc]
        v = roc
        if s_l < 32768:
            if seq - s_l > 32768:
                v = (roc - 1) % 2**32
        elif s_l - 32768 > seq:
            v = (roc + 1) % 2**32
        return v, seq

    def update_index(self, ssrc, v, seq):
        if ssrc not in self.roc:
            self.roc[ssrc] = (seq, v)
            return
        s_l, roc = self.roc[ssrc]
        if v == roc and seq > s_l:
            self.roc[ssrc] = (seq, roc)
        elif v == (roc + 1) % 2**32:
            self.roc[ssrc] = (seq, v)

    def unprotect_rtp(self, packet, update=True):
        """Returns (header, payload) of a valid SRTP packet; raises AuthError."""
        hlen = rtp_header_length(packet)
        if hlen is None or len(packet) < hlen + self.tag:
            raise AuthError("too short for an SRTP packet of this suite")
        seq, ssrc = struct.unpack("!H", packet[2:4])[0], struct.unpack("!I", packet[8:12])[0]
        v, _ = self.estimate_index(ssrc, seq)
        header = packet[:hlen]
        if self.gcm:
            # RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt;
            # §8.2: AAD = the RTP header; the tag follows the ciphertext.
            iv = xor(struct.pack("!HIIH", 0, ssrc, v, seq), self.rtp_salt)
            try:
                payload = AESGCM(self.rtp_key).decrypt(iv, packet[hlen:], header)
            except InvalidTag:
                raise AuthError("AES-GCM tag mismatch") from None
        else:
            # RFC 3711 §4.2: tag = HMAC-SHA1(k_a, header || ciphertext || ROC)
            # truncated; checked before decryption (§3.3 step 5).
            body, tag = packet[:-self.tag], packet[-self.tag:]
            mac = hmac.new(self.rtp_auth, body + struct.pack("!I", v), hashlib.sha1)
            if not hmac.compare_digest(mac.digest()[:self.tag], tag):
                raise AuthError("HMAC-SHA1 tag mismatch")
            # RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)
            index = (v << 16) | seq
            iv = xor(self.rtp_salt + b"\0\0",
                     struct.pack("!IIQ", 0, ssrc, index << 16))
            ciphertext = body[hlen:]
            payload = xor(ciphertext, aes_cm_keystream(self.rtp_key, iv, len(ciphertext)))
        if update:
            self.update_index(ssrc, v, seq)
        return header, payload

    def protect_rtp(self, header, payload, roc):
        """The SRTP packet of an RTP header and payload, the sender's ROC given."""
        seq, ssrc = struct.unpack("!H", header[2:4])[0], struct.unpack("!I", header[8:12])[0]
        if self.gcm:
            iv = xor(struct.pack("!HIIH", 0, ssrc, roc, seq), self.rtp_salt)
            return header + AESGCM(self.rtp_key).encrypt(iv, payload, header)
        iv = xor(self.rtp_salt + b"\0\0", struct.pack("!IIQ", 0, ssrc, ((roc << 16) | seq) << 16))
        body = header + xor(payload, aes_cm_keystream(self.rtp_key, iv, len(payload)))
        mac = hmac.new(self.rtp_auth, body + struct.pack("!I", roc), hashlib.sha1)
        return body + mac.digest()[:self.tag]

    def unprotect_rtcp(self, packet):
        """Returns the plain RTCP compound packet of a valid SRTCP packet
        (RFC 3711 §3.4, RFC 7714 §9); raises AuthError."""
        if len(packet) < 8 + 4 + self.rtcp_tag:
            raise AuthError("too short for an SRTCP packet of this suite")
        ssrc = struct.unpack("!I", packet[4:8])[0]
        if self.gcm:
            # RFC 7714 §9: header, ciphertext, tag, then E || SRTCP index
            e_index = packet[-4:]
            index = struct.unpack("!I", e_index)[0] & 0x7FFFFFFF
            if not e_index[0] & 0x80:
                raise AuthError("SRTCP packet not encrypted (E flag clear)")
            # §9.1: IV = (0x0000 || SSRC || 0x0000 || index) XOR salt;
            # §9.2: AAD = the first 8 octets || E || index
            iv = xor(struct.pack("!HIHI", 0, ssrc, 0, index), self.rtcp_salt)
            try:
                plain = AESGCM(self.rtcp_key).decrypt(iv, packet[8:-4], packet[:8] + e_index)
            except InvalidTag:
                raise AuthError("AES-GCM SRTCP tag mismatch") from None
            return packet[:8] + plain
        # RFC 3711 §3.4: header, ciphertext, E || index, tag (HMAC over all
        # that precedes it)
        body, tag = packet[:-self.rtcp_tag], packet[-self.rtcp_tag:]
        mac = hmac.new(self.rtcp_auth, body, hashlib.sha1)
        if not hmac.compare_digest(mac.digest()[:self.rtcp_tag], tag):
            raise AuthError("SRTCP HMAC-SHA1 tag mismatch")
        e_index = struct.unpack("!I", body[-4:])[0]
        if not e_index & 0x80000000:
            raise AuthError("SRTCP packet not encrypted (E flag clear)")
        index = e_index & 0x7FFFFFFF
        iv = xor(self.rtcp_salt + b"\0\0", struct.pack("!IIQ", 0, ssrc, index << 16))
        ciphertext = body[8:-4]
        return packet[:8] + xor(ciphertext,
                                aes_cm_keystream(self.rtcp_key, iv, len(ciphertext)))


def rtp_header_length(packet):
    """RFC 3550 §5.1/§5.3.1: the fixed header, CSRCs and extension."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    hlen = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < hlen + 4:
            return None
        hlen += 4 + 4 * struct.unpack("!H", packet[hlen + 2:hlen + 4])[0]
    return hlen if hlen <= len(packet) else None


# RFC 6716 §3.1, Table 2: the TOC configurations whose frames last 20 ms
# (SILK NB/MB/WB, Hybrid SWB/FB, CELT NB/WB/SWB/FB).
OPUS_20MS_CONFIGS = {1, 5, 9, 13, 15, 19, 23, 27, 31}


def opus_frames(payload):
    """The number of frames of a well-formed Opus packet (RFC 6716 §3.2,
    requirements R1-R7 for codes 0-2, and code 3's frame count); None if
    it is malformed."""
    if not payload:
        return None  # R1
    code = payload[0] & 3
    rest = len(payload) - 1
    if code == 0:
        return 1 if rest <= 1275 else None  # R2
    if code == 1:
        return 2 if rest % 2 == 0 and rest // 2 <= 1275 else None  # R3
    if code == 2:
        if rest < 1:
            return None  # R4
        n1 = payload[1]
        used = 1
        if n1 >= 252:
            if rest < 2:
                return None
            n1 += 4 * payload[2]
            used = 2
        return 2 if n1 <= rest - used and rest - used - n1 <= 1275 else None  # R5
    if rest < 1:
        return None  # R6
    m = payload[1] & 0x3F
    return m if m > 0 else None  # R5 (frame count 0 is invalid)


# ---- RFC test vectors for the implementation above --------------------------

def test_srtp_kdf_rfc3711_vectors():
    """RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation)."""
    ks = aes_cm_keystream(bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C"),
                          bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), 48)
    assert ks.hex().upper() == ("E03EAD0935C95E80E166B16DD92B4EB4"
                                "D23513162B02D0F72A43A2FE4A5F97AB"
                                "41E95B3BB0A2E8DD477901E4FCA894C0")
    mk = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
    ms = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    assert kdf(mk, ms, LABEL_RTP_ENC, 16).hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087"
    assert kdf(mk, ms, LABEL_RTP_SALT, 14).hex().upper() == "30CBBC08863D8C85D49DB34A9AE1"
    assert kdf(mk, ms, LABEL_RTP_AUTH, 20).hex().upper() == \
        "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"


def test_srtp_gcm_rfc7714_vector():
    """RFC 7714 §16.1.1: AEAD_AES_128_GCM protection of one RTP packet with
    the given session key and salt (no KDF)."""
    ctx = SrtpContext("AEAD_AES_128_GCM", bytes(28))
    ctx.rtp_key = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    ctx.rtp_salt = bytes.fromhex("517569642070726f2071756f")
    protected = bytes.fromhex(
        "8040f17b8041f8d35501a0b2"
        "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
        "899d7f27beb16a9152cf765ee4390cce")
    header, payload = ctx.unprotect_rtp(protected, update=False)
    assert header == bytes.fromhex("8040f17b8041f8d35501a0b2")
    assert payload == b"Gallia est omnis divisa in partes tres"
    assert ctx.protect_rtp(header, payload, 0) == protected
    forged = bytearray(protected)
    forged[20] ^= 0x01
    with pytest.raises(AuthError):
        ctx.unprotect_rtp(bytes(forged), update=False)


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_srtp_round_trip_across_roc_wrap(suite):
    """Protect and unprotect agree, also where the sequence number wraps and
    the ROC steps (RFC 3711 §3.3.1); a packet protected with another ROC
    does not authenticate."""
    master = bytes(range(SUITES[suite]["key"] + SUITES[suite]["salt"]))
    tx, rx = SrtpContext(suite, master), SrtpContext(suite, master)
    for i in range(6):
        seq, roc = (65533 + i) % 65536, (65533 + i) // 65536
        header = struct.pack("!BBHII", 0x80, 96, seq, 960 * i, 0x1234)
        payload = bytes([0x78]) + bytes([i]) * 40
        packet = tx.protect_rtp(header, payload, roc)
        assert len(packet) == len(header) + len(payload) + SUITES[suite]["tag"]
        assert rx.unprotect_rtp(packet) == (header, payload)
    with pytest.raises(AuthError):
        rx.unprotect_rtp(tx.protect_rtp(header, payload, roc + 1), update=False)


def test_srtp_roc_estimate():
    """RFC 3711 §3.3.1: the receiver follows the sequence number across a
    wrap-around and takes a late packet from before it with the old ROC."""
    ctx = SrtpContext("AES_CM_128_HMAC_SHA1_80", bytes(30))
    for seq, expected in [(65534, 0), (65535, 0), (0, 1), (65533, 0), (1, 1), (2, 1)]:
        v, _ = ctx.estimate_index(7, seq)
        assert v == expected, (seq, v)
        ctx.update_index(7, v, seq)


# ---- Capture -----------------------------------------------------------------

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # <asm-generic/socket.h>
MAX_FRAMES = 40000
MAX_BYTES = 64 * 1024 * 1024


class Capture:
    """Every frame on lo, in a thread, until stop(); loopback shows each
    packet twice (outgoing and incoming): only the incoming copy is kept."""

    def __init__(self):
        try:
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_ALL))
        except PermissionError:
            pytest.fail("an AF_PACKET socket needs root: run this test through "
                        "tests/netns-run (meson test does)")
        try:
            # root may go past net.core.rmem_max
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 * 1024 * 1024)
        except PermissionError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.05)
        self.frames = []
        self.size = 0
        self.truncated = False
        self.error = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self._stop.is_set():
                try:
                    data, addr = self.sock.recvfrom(70000)
                except socket.timeout:
                    continue
                if addr[2] == PACKET_OUTGOING:
                    continue
                if len(self.frames) >= MAX_FRAMES or self.size + len(data) > MAX_BYTES:
                    self.truncated = True
                    continue
                self.frames.append(data)
                self.size += len(data)
        except OSError as e:
            self.error = e

    def stop(self):
        self._stop.set()
        self.thread.join(GUARD_SECONDS)
        assert not self.thread.is_alive(), "the capture thread did not stop"
        self.sock.close()
        assert self.error is None, f"capture failed: {self.error}"
        assert not self.truncated, "capture bounds reached: more traffic than a call makes"
        return self.frames


def udp_datagrams(frames):
    """(src, sport, dst, dport, payload) of each UDP datagram in the loopback
    frames: a 14-byte Ethernet header with zero MACs, then IPv4 or IPv6."""
    out = []
    for f in frames:
        if len(f) < 14:
            continue
        assert f[:12] == bytes(12), "loopback frames carry zero MAC addresses"
        ethertype = struct.unpack("!H", f[12:14])[0]
        ip = f[14:]
        if ethertype == 0x0800 and len(ip) >= 20:
            ihl = 4 * (ip[0] & 0x0F)
            total = struct.unpack("!H", ip[2:4])[0]
            frag = struct.unpack("!H", ip[6:8])[0]
            if ip[9] != 17:
                continue
            assert frag & 0x3FFF == 0, "no fragmented datagram on loopback"
            src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), \
                socket.inet_ntop(socket.AF_INET, ip[16:20])
            udp = ip[ihl:total]
        elif ethertype == 0x86DD and len(ip) >= 40:
            if ip[6] != 17:
                continue
            plen = struct.unpack("!H", ip[4:6])[0]
            src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), \
                socket.inet_ntop(socket.AF_INET6, ip[24:40])
            udp = ip[40:40 + plen]
        else:
            continue
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        out.append((src, sport, dst, dport, udp[8:ulen]))
    return out


# ---- SIP and SDP on the wire ---------------------------------------------------

def sip_message(payload):
    """(start line, headers dict (lower-case names), body) or None."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r\n\r\n" not in text:
        return None
    head, body = text.split("\r\n\r\n", 1)
    lines = head.split("\r\n")
    if not (lines[0].startswith("SIP/2.0 ") or lines[0].endswith(" SIP/2.0")):
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return lines[0], headers, body


class Sdp:
    """The bits of one audio SDP that the test needs."""

    def __init__(self, text):
        self.text = text
        self.cryptos = {}     # tag -> (suite, master key || salt)
        self.rtpmap = {}      # pt -> encoding name / clock rate
        self.candidates = []  # (component, address, port)
        self.port = None
        self.proto = None
        self.address = None
        self.rtcp_mux = False
        for line in text.split("\r\n"):
            if line.startswith("c=IN IP"):
                self.address = line.split()[2]
            elif line.startswith("m=audio "):
                f = line.split()
                self.port, self.proto = int(f[1]), f[2]
                self.formats = [int(x) for x in f[3:]]
            elif line.startswith("a=crypto:"):
                m = re.match(r"a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)(\|\S*)?", line)
                assert m, f"unparsed crypto line {line!r}"
                self.cryptos[int(m.group(1))] = (m.group(2), base64.b64decode(m.group(3)),
                                                 m.group(4) or "")
            elif line.startswith("a=rtpmap:"):
                pt, enc = line[len("a=rtpmap:"):].split(" ", 1)
                self.rtpmap[int(pt)] = enc
            elif line.startswith("a=candidate:"):
                f = line[len("a=candidate:"):].split()
                self.candidates.append((int(f[1]), f[4], int(f[5])))
            elif line == "a=rtcp-mux":
                self.rtcp_mux = True

    def media_ports(self):
        ports = {self.port}
        ports.update(port for _, _, port in self.candidates)
        return ports

    def pt(self, name):
        return [pt for pt, enc in self.rtpmap.items() if enc.lower().startswith(name)]


def find_invite_exchange(datagrams):
    """The first INVITE with SDP and the first 200 to it, as Sdp objects,
    with the signaling ports they crossed."""
    invite = ok = None
    for src, sport, dst, dport, payload in datagrams:
        msg = sip_message(payload)
        if msg is None:
            continue
        start, headers, body = msg
        if invite is None and start.startswith("INVITE ") and body:
            invite = (headers["call-id"], Sdp(body), (sport, dport))
        elif invite is not None and ok is None and start.startswith("SIP/2.0 200") \
                and headers.get("call-id") == invite[0] \
                and headers.get("cseq", "").endswith("INVITE") and body:
            ok = Sdp(body)
    return invite, ok


def is_stun(payload):
    # RFC 5389 §6: the top two bits zero, the magic cookie at octet 4
    return len(payload) >= 20 and payload[0] < 2 and payload[4:8] == b"\x21\x12\xa4\x42"


def is_rtcp(payload):
    # RFC 5761 §4: with rtcp-mux, RTCP packet types 200-204 (SR, RR,
    # SDES, BYE, APP) keep RTP's payload types apart
    return len(payload) >= 8 and payload[0] >> 6 == 2 and 200 <= payload[1] <= 204


# ---- The call ----------------------------------------------------------------

def stats(peer, path):
    return peer.watch.get(path, "Stats") or {}


def rtcp_compound_types(plain):
    """The packet types of a compound RTCP packet whose length fields tile it
    exactly (RFC 3550 §6.1, §6.4); decrypted with a wrong keystream they
    would not."""
    types, offset = [], 0
    while offset < len(plain):
        assert len(plain) - offset >= 4 and plain[offset] >> 6 == 2, plain.hex()
        types.append(plain[offset + 1])
        offset += 4 * (struct.unpack("!H", plain[offset + 2:offset + 4])[0] + 1)
    assert offset == len(plain), plain.hex()
    return types


def check_srtp_stream(way, packets, ctx, wrong_ctx, opus_pt, all_wire):
    """Every packet of one direction is SRTP of ctx's suite: it authenticates
    and decrypts with ctx (the sender's key) and not with wrong_ctx, one
    flipped bit makes it a forgery, and the plaintext is a 20 ms Opus packet
    that appears nowhere on the wire. Returns the decrypted (header, payload)s."""
    tag_len = ctx.tag
    ssrcs = set()
    plain = []
    for n, packet in enumerate(packets):
        hlen = rtp_header_length(packet)
        assert hlen is not None, (way, n, packet[:12].hex())
        assert packet[1] & 0x7F == opus_pt, (way, n, packet[1] & 0x7F)
        # Room for the tag of the suite and at least one payload octet.
        assert len(packet) >= hlen + 1 + tag_len, (way, n, len(packet))
        header, payload = ctx.unprotect_rtp(packet)
        assert len(payload) == len(packet) - hlen - tag_len
        ssrcs.add(struct.unpack("!I", packet[8:12])[0])
        # A valid Opus packet of one 20 ms frame (RFC 6716 §3.1, §3.2).
        assert payload[0] >> 3 in OPUS_20MS_CONFIGS, (way, n, payload[:4].hex())
        assert opus_frames(payload) == 1, (way, n, payload[:4].hex())
        # What crossed the wire is not the Opus packet: not in place, and
        # (for payloads long enough to tell) nowhere in the capture.
        assert packet[hlen:hlen + len(payload)] != payload, (way, n)
        if len(payload) >= 8:
            assert payload not in all_wire, (way, n, "plaintext Opus on the wire")
        if n < 20:
            # The other direction's key does not authenticate it.
            with pytest.raises(AuthError):
                wrong_ctx.unprotect_rtp(packet, update=False)
            # One flipped bit anywhere (header, ciphertext, tag) is a forgery.
            for bit in (8 * 3, 8 * hlen + 5, 8 * (len(packet) - 1)):
                forged = bytearray(packet)
                forged[bit // 8] ^= 1 << (bit % 8)
                with pytest.raises(AuthError):
                    ctx.unprotect_rtp(bytes(forged), update=False)
        plain.append((header, payload))
    assert len(ssrcs) == 1, (way, ssrcs)
    return plain


def test_call_media_is_srtp_on_the_wire(alice, bob):
    capture = Capture()
    try:
        a, b = establish(alice, bob, "udp")
        alice.watch.wait_prop(a, "Encryption", "unprotected-keys")
        bob.watch.wait_prop(b, "Encryption", "unprotected-keys")
        wait_until(lambda: stats(alice, a).get("packets-received", 0) > 100
                   and stats(bob, b).get("packets-received", 0) > 100,
                   "100 media packets each way")
        # RTCP both ways too (RFC 3550 reports): each side has an RTT.
        wait_until(lambda: stats(alice, a).get("rtt", 0) > 0 and stats(bob, b).get("rtt", 0) > 0,
                   "RTCP reports each way")
        sa, sb = stats(alice, a), stats(bob, b)
        alice.call(a).Hangup()
        alice.watch.wait_state(a, "ended")
        bob.watch.wait_state(b, "ended")
    finally:
        frames = capture.stop()
    assert sa["srtp-forged"] == 0 and sb["srtp-forged"] == 0
    assert call_props(alice.daemon, a)["EndReason"] == "local-hangup"

    datagrams = udp_datagrams(frames)
    invite, ok = find_invite_exchange(datagrams)
    assert invite is not None, "no INVITE with SDP on the wire"
    assert ok is not None, "no 200 with SDP to the INVITE on the wire"
    _, offer, sip_ports = invite
    answer = ok
    assert bob.port in sip_ports, "the INVITE went to Bob's UDP SIP port"

    # The offer carries keys for both suites, GCM first; the answer accepts
    # one of them by its tag with a key of its own (RFC 4568 §7.1.2, §7.1.3).
    assert offer.proto == "RTP/SAVP" and answer.proto == "RTP/SAVP", (offer.text, answer.text)
    suites_offered = [s for _, (s, _, _) in sorted(offer.cryptos.items())]
    assert suites_offered[:2] == ["AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80"], offer.text
    assert len(answer.cryptos) == 1, answer.text
    (tag, (suite, answer_key, _)), = answer.cryptos.items()
    assert tag in offer.cryptos and offer.cryptos[tag][0] == suite, (offer.text, answer.text)
    assert suite == "AEAD_AES_128_GCM", "both sides prefer GCM"
    offer_key = offer.cryptos[tag][1]
    assert offer_key != answer_key
    opus = offer.pt("opus/48000")
    assert opus and answer.pt("opus/48000") == opus, (offer.text, answer.text)
    opus_pt = opus[0]

    # Each side sends with the key it put in its own SDP (RFC 4568 §6.1).
    a_ports, b_ports = offer.media_ports(), answer.media_ports()
    assert not a_ports & b_ports
    contexts = {"a2b": SrtpContext(suite, offer_key), "b2a": SrtpContext(suite, answer_key)}
    wrong = {"a2b": SrtpContext(suite, answer_key), "b2a": SrtpContext(suite, offer_key)}

    rtp = {"a2b": [], "b2a": []}
    rtcp = {"a2b": [], "b2a": []}
    stun = other = 0
    for src, sport, dst, dport, payload in datagrams:
        if sport in a_ports and dport in b_ports:
            way = "a2b"
        elif sport in b_ports and dport in a_ports:
            way = "b2a"
        else:
            continue
        if is_stun(payload):
            stun += 1
        elif is_rtcp(payload):
            rtcp[way].append(payload)
        elif rtp_header_length(payload) is not None:
            rtp[way].append(payload)
        else:
            other += 1
    assert other == 0, "only STUN, RTP and RTCP between the media addresses"
    assert stun > 0, "ICE connectivity checks on the wire"

    all_wire = b"".join(p for _, _, _, _, p in datagrams)
    for way in ("a2b", "b2a"):
        # Bob counted more than 100 packets received from Alice and Alice
        # more than 100 from Bob: the capture has them all.
        assert len(rtp[way]) > 100, (way, len(rtp[way]))
        check_srtp_stream(way, rtp[way], contexts[way], wrong[way], opus_pt, all_wire)

        # RTCP: SR or RR first in each compound packet, encrypted (E flag).
        assert rtcp[way], f"no RTCP {way} on the wire"
        for n, packet in enumerate(rtcp[way]):
            plain = contexts[way].unprotect_rtcp(packet)
            assert rtcp_compound_types(plain)[:1] in ([200], [201]), (way, n, plain.hex())
            assert 202 in rtcp_compound_types(plain), (way, n, "SDES with the CNAME")
            assert packet[8:len(plain)] != plain[8:], (way, n)
            with pytest.raises(AuthError):
                wrong[way].unprotect_rtcp(packet)
            forged = bytearray(packet)
            forged[9] ^= 0x80
            with pytest.raises(AuthError):
                contexts[way].unprotect_rtcp(bytes(forged))


# ---- AES_CM_128_HMAC_SHA1_80, both ways, against this implementation ----------

def sip_request(method, uri, port, call_id, cseq, to, extra="", body=""):
    return (f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{method.lower()}{cseq}{port}\r\n"
            f"From: <sip:tester@127.0.0.1:{port}>;tag=wire{port}\r\nTo: {to}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:tester@127.0.0.1:{port}>\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def recv_sip(sock, want):
    """The next SIP message from sock whose start line satisfies want."""
    while True:
        msg = sip_message(sock.recv(65535))
        if msg is not None and want(msg[0]):
            return msg


def test_aes_cm_suite_both_ways(make_daemon):
    """A caller that offers only AES_CM_128_HMAC_SHA1_80 (RFC 4568 §6.2.1),
    written here: the daemon's packets decrypt with the key of its answer,
    and the packets that this test protects with its own offered key are
    accepted by the daemon (its Stats count them), while a forged copy and a
    replayed one are dropped and counted as such."""
    bob = Peer(make_daemon, "bob", extra="[calls]\nauto-answer = true\n")
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with sip, media:
        sip.bind(("127.0.0.1", 0))
        sip.settimeout(GUARD_SECONDS)
        media.bind(("127.0.0.1", 0))
        media.setblocking(False)
        port, mport = sip.getsockname()[1], media.getsockname()[1]
        suite = "AES_CM_128_HMAC_SHA1_80"
        my_key = os.urandom(30)
        offer = ("v=0\r\no=tester 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                 f"t=0 0\r\nm=audio {mport} RTP/SAVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
                 "a=rtcp-mux\r\na=sendrecv\r\n"
                 f"a=crypto:1 {suite} inline:{base64.b64encode(my_key).decode()}\r\n")
        call_id = f"wire-{port}"
        sip.sendto(sip_request("INVITE", bob.uri(), port, call_id, 1, f"<{bob.uri()}>",
                               "Content-Type: application/sdp\r\n", offer),
                   ("127.0.0.1", bob.port))
        start, headers, body = recv_sip(sip, lambda s: not s.startswith(("SIP/2.0 1")))
        assert start.startswith("SIP/2.0 200"), start
        answer = Sdp(body)
        assert answer.proto == "RTP/SAVP" and not answer.candidates, answer.text
        assert list(answer.cryptos) == [1] and answer.cryptos[1][0] == suite, answer.text
        contact = re.search(r"<([^>]+)>", headers["contact"]).group(1)
        sip.sendto(sip_request("ACK", contact, port, call_id, 1, headers["to"]),
                   ("127.0.0.1", bob.port))
        b = bob.watch.wait_incoming()
        bob.watch.wait_state(b, "active")

        # Bob -> us: what arrives on our socket is what crossed the wire.
        received = []

        def drain():
            while len(received) < 200:
                try:
                    data, addr = media.recvfrom(65535)
                except BlockingIOError:
                    break
                assert addr == (answer.address, answer.port), addr
                if not is_rtcp(data):
                    received.append(data)
            return len(received) >= 100

        wait_until(drain, "100 SRTP packets from the daemon")
        rx = SrtpContext(suite, answer.cryptos[1][1])
        opus_pt = 96
        plain = check_srtp_stream("b2us", received, rx, SrtpContext(suite, my_key), opus_pt, b"")
        assert all(len(packet) == len(header) + len(payload) + 10
                   for packet, (header, payload) in zip(received, plain))

        # Us -> Bob: Bob's own Opus packets back under our SSRC and key, the
        # sequence numbers wrapping after the first few so that the ROC steps.
        tx = SrtpContext(suite, my_key)
        sent = []
        for i, (_, payload) in enumerate(plain[:40]):
            seq, roc = (65530 + i) % 65536, (65530 + i) // 65536
            header = struct.pack("!BBHII", 0x80, opus_pt, seq, 960 * i, 0x5EC0DE)
            sent.append(tx.protect_rtp(header, payload, roc))
        dest = (answer.address, answer.port)
        for packet in sent:
            media.sendto(packet, dest)
        wait_until(lambda: stats(bob, b).get("packets-received", 0) == len(sent),
                   f"Bob accepts our {len(sent)} packets")
        assert stats(bob, b)["srtp-forged"] == 0 and stats(bob, b)["srtp-replayed"] == 0
        # The next packet with one flipped bit in its ciphertext: forged; the
        # last packet again: replayed (RFC 3711 §3.3.2). Neither is counted
        # as received.
        n = len(sent)
        forged = bytearray(tx.protect_rtp(
            struct.pack("!BBHII", 0x80, opus_pt, (65530 + n) % 65536, 960 * n, 0x5EC0DE),
            plain[n][1], (65530 + n) // 65536))
        forged[14] ^= 0x04
        media.sendto(bytes(forged), dest)
        media.sendto(sent[-1], dest)
        wait_until(lambda: stats(bob, b).get("srtp-forged") == 1
                   and stats(bob, b).get("srtp-replayed") == 1, "a forgery and a replay dropped")
        assert stats(bob, b)["packets-received"] == len(sent)

        bob.call(b).Hangup()
        start, headers, _ = recv_sip(sip, lambda s: s.startswith("BYE "))
        sip.sendto((f"SIP/2.0 200 OK\r\nVia: {headers['via']}\r\nFrom: {headers['from']}\r\n"
                    f"To: {headers['to']}\r\nCall-ID: {headers['call-id']}\r\n"
                    f"CSeq: {headers['cseq']}\r\nContent-Length: 0\r\n\r\n").encode(),
                   ("127.0.0.1", bob.port))
        bob.watch.wait_state(b, "ended")
        assert call_props(bob.daemon, b)["EndReason"] == "local-hangup"
