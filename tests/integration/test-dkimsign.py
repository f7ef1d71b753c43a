#!/usr/bin/python3
# test-dkimsign.py - verifies the DKIM signatures Winnow made, with
# python3-dkim (an independent verifier), the public keys coming from
# DIR/dns.txt ("NAME TXT-VALUE" lines written by test-dkimsign.sh).
#
#   test-dkimsign.py verify DIR WANT FILE...
#       every DKIM-Signature of each FILE must verify, WANT of them in
#       all; From must be signed twice (oversigned); then the same
#       message with a changed body must fail every signature.
#   test-dkimsign.py milter DIR WANT MSG SIGS OUT
#       MSG is the message the milter was sent (as the Lua script sent
#       it: "Name: value" fields, CRLF); SIGS holds the DKIM-Signature
#       values it added, one per line with folding as "\n" escapes; the
#       delivered message (signatures at the top) is written to OUT,
#       then checked as with verify.
import sys

import dkim


def keys(d):
    out = {}
    with open(d + "/dns.txt") as f:
        for line in f:
            name, txt = line.rstrip("\n").split(" ", 1)
            out[name.encode()] = txt.encode()
    return out


def sigs_of(msg):
    # header fields named DKIM-Signature, in order
    head = msg.split(b"\r\n\r\n", 1)[0]
    fields, cur = [], None
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and cur is not None:
            cur += b"\r\n" + line
            fields[-1] = cur
            continue
        cur = line
        fields.append(cur)
    return [f for f in fields if f.lower().startswith(b"dkim-signature:")]


def verifies(msg, i, dnsfunc):
    # python3-dkim answers False, or raises on a body hash mismatch
    try:
        return dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
    except dkim.ValidationError:
        return False


def check(d, msg, what):
    table = keys(d)

    def dnsfunc(name, timeout=5):
        return table.get(name.rstrip(b"."), None)

    sigs = sigs_of(msg)
    ok = 0
    for i, s in enumerate(sigs):
        tags = dict(t.strip().split(b"=", 1) for t in s.split(b":", 1)[1].split(b";") if b"=" in t)
        hlist = [h.strip().lower() for h in tags[b"h"].replace(b"\r\n", b"").split(b":")]
        if hlist.count(b"from") != 2:
            print("FAIL: %s: signature %d: From not oversigned: h=%r" % (what, i, hlist))
            return -1
        if verifies(msg, i, dnsfunc):
            ok += 1
        else:
            print("FAIL: %s: signature %d (%s) does not verify" % (what, i, tags.get(b"a")))
    head, body = msg.split(b"\r\n\r\n", 1)
    tampered = head + b"\r\n\r\n" + body.replace(b"e", b"E", 1)
    if tampered == msg:
        tampered = msg + b"tampered\r\n"
    bad = sum(1 for i in range(len(sigs)) if verifies(tampered, i, dnsfunc))
    if bad:
        print("FAIL: %s: %d signature(s) still verify with a changed body" % (what, bad))
        return -1
    return ok


def main():
    mode, d, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fails = 0
    if mode == "verify":
        for fn in sys.argv[4:]:
            msg = open(fn, "rb").read()
            n = check(d, msg, fn)
            if n != want:
                print("FAIL: %s: %d signature(s) verified, want %d" % (fn, n, want))
                fails += 1
            else:
                print("PASS: %s: %d signature(s) verify, a changed body fails" % (fn.split("/")[-1], n))
    else:
        msgf, sigsf, outf = sys.argv[4:7]
        msg = open(msgf, "rb").read()
        vals = [l for l in open(sigsf, "rb").read().split(b"\n") if l]
        out = b"".join(b"DKIM-Signature: " + v.replace(b"\\n", b"\r\n") + b"\r\n" for v in vals)
        out += msg
        open(outf, "wb").write(out)
        n = check(d, out, outf) if vals else 0
        if n != want:
            print("FAIL: %s: %d signature(s) verified, want %d" % (outf, n, want))
            fails += 1
    return 1 if fails else 0


sys.exit(main())
