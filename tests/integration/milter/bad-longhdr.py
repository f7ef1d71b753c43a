#!/usr/bin/env python3
"""bad-longhdr.py - a message whose header fields carry 60 KB values,
sent over the milter protocol by hand: miltertest 1.6.0 cannot send
them (mt.header copies name and value into a 1 KB stack buffer and
crashes). Usage: bad-longhdr.py inet:PORT@HOST

Sends one field with a 60 KB value on a single line and one with 60 KB
of folded words (each field is one milter packet, under libmilter's
64 KB limit), then a short body. Exits 0 when the end-of-message reply
is accept or continue and X-Spam-Status was added; else prints
"FAIL: ..." on stderr and exits 1."""
import socket
import struct
import sys

SMFIP_NR = {  # no-reply bits the milter may ask for, per command
    b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000,
    b"L": 0x80, b"N": 0x40000, b"B": 0x80000,
}


def fail(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


class Milter:
    def __init__(self, spec):
        if not spec.startswith("inet:") or "@" not in spec:
            fail("bad socket spec " + spec)
        port, host = spec[5:].split("@", 1)
        self.s = socket.create_connection((host, int(port)), timeout=60)
        self.pflags = 0

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recvn(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                fail("milter closed the connection")
            out += chunk
        return out

    def recv(self):
        (n,) = struct.unpack(">I", self.recvn(4))
        data = self.recvn(n)
        return data[:1], data[1:]

    def step(self, cmd, data=b""):
        self.send(cmd, data)
        if self.pflags & SMFIP_NR.get(cmd, 0):
            return b"c"
        r, _ = self.recv()
        if r != b"c":
            fail("command %r: reply %r, want 'c'" % (cmd, r))
        return r

    def negotiate(self):
        self.send(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
        r, data = self.recv()
        if r != b"O" or len(data) < 12:
            fail("option negotiation: reply %r" % r)
        _, _, self.pflags = struct.unpack(">III", data[:12])

    def eom(self):
        """Sends end of message; returns the final reply and the
        (name, value) fields the milter asked to add."""
        self.send(b"E")
        added = []
        while True:
            r, data = self.recv()
            if r == b"h":
                name, value = data.split(b"\0")[:2]
                added.append((name, value))
            elif r == b"i":
                name, value = data[4:].split(b"\0")[:2]
                added.append((name, value))
            elif r in (b"a", b"c", b"r", b"t", b"d", b"y"):
                return r, added
            # other modifications (m, q, p, ...) are not of interest here


def z(s):
    return s.encode("latin-1") + b"\0"


def main():
    if len(sys.argv) != 2:
        fail("usage: bad-longhdr.py inet:PORT@HOST")
    m = Milter(sys.argv[1])
    m.negotiate()
    m.step(b"C", z("client.example.test") + b"4" + struct.pack(">H", 4711) + z("127.0.0.1"))
    m.step(b"H", z("client.example.test"))
    m.send(b"D", b"M" + z("i") + z("LONGHDR"))
    m.step(b"M", z("<sender@example.net>"))
    m.step(b"R", z("<bob@example.org>"))
    words = " ".join("word%d" % i for i in range(9000))
    folded = "\n\t".join(words[i:i + 70] for i in range(0, len(words), 70))[:60 * 1024]
    fields = [
        ("From", "Alice <alice@example.org>"),
        ("To", "Bob <bob@example.org>"),
        ("Subject", "long header fields"),
        ("Date", "Wed, 23 Apr 2025 09:30:00 +0200"),
        ("Message-ID", "<longhdr@example.org>"),
        ("X-Long-Line", "x" * (60 * 1024)),
        ("X-Long-Folded", folded),
    ]
    for name, value in fields:
        m.step(b"L", z(name) + z(value))
    m.step(b"N")
    m.step(b"B", b"Hello Bob,\r\n\r\nsee the long header fields.\r\n")
    r, added = m.eom()
    if r not in (b"a", b"c"):
        fail("eom reply %r, want accept" % r)
    status = [v for n, v in added if n == b"X-Spam-Status"]
    if not status:
        fail("X-Spam-Status not added (added: %r)" % [n for n, _ in added])
    m.send(b"Q")
    m.s.close()
    print("ok longhdr: " + " ".join(status[0].decode("latin-1").split()))


if __name__ == "__main__":
    main()
