#!/usr/bin/python3
"""test-dkim.py - fixtures and cross-check for tests/integration/test-dkim.

  test-dkim.py gen DIR
      Makes fresh keys (opendkim-genkey: RSA 1024; dknewkey: RSA 2048,
      Ed25519, and a second RSA 2048 key that is never published), the
      unbound zone DIR/keys.conf publishing the public keys under
      dkim.test., and the signed (and tampered) messages DIR/<case>.eml,
      signed by python3-dkim (dkim.sign). No private key is kept in the
      repository.

  test-dkim.py cross DIR PORT
      For every DIR/<case>.got written by test-dkim (lines "INDEX RESULT"
      per signature libopendkim checked), verifies the same signature of
      DIR/<case>.eml with python3-dkim's dkim.DKIM.verify(idx=INDEX),
      keys asked from the unbound on 127.0.0.1:PORT through dnspython.
      Fails on any disagreement: ours "pass" exactly when theirs True.
"""
import base64
import os
import subprocess
import sys
import time

import dkim

DOMAIN = b"dkim.test"
BASE = (b"From: Alice <alice@dkim.test>\r\n"
        b"To: Bob <bob@example.test>\r\n"
        b"Subject: quarterly figures\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        b"Message-ID: <dkim-test-1@dkim.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Hello Bob,\r\n"
        b"\r\n"
        b"the figures are   attached  \r\n"
        b"\r\n"
        b"-- \r\nAlice\r\n\r\n\r\n")
HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


def run(*cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def txt_record(name, value):
    """An unbound local-data TXT line, the value split into strings of
    at most 250 bytes (RFC 1035 limits one to 255)."""
    parts = [value[i:i + 250] for i in range(0, len(value), 250)] or [""]
    quoted = " ".join('"%s"' % p for p in parts)
    return "local-data: '%s. 300 IN TXT %s'\n" % (name, quoted)


def genkey_record(txt_path):
    """The record text of opendkim-genkey's zone-file snippet."""
    text = open(txt_path).read()
    text = text[text.index("(") + 1:text.index(")")]
    return "".join(p for i, p in enumerate(text.split('"')) if i % 2 == 1)


def make_keys(d):
    keys = {}
    run("opendkim-genkey", "-b", "1024", "-s", "r1024", "-d", "dkim.test",
        "-D", d, cwd=d)
    keys["r1024"] = (open(os.path.join(d, "r1024.private"), "rb").read(),
                     genkey_record(os.path.join(d, "r1024.txt")))
    for name, ktype in (("r2048", "rsa"), ("ed", "ed25519"), ("other", "rsa")):
        run("dknewkey", "--ktype", ktype, name, cwd=d)
        keys[name] = (open(os.path.join(d, name + ".key"), "rb").read(),
                      open(os.path.join(d, name + ".dns")).read().strip())
    return keys


def sign(msg, sel, key, canon=(b"relaxed", b"simple"), alg=b"rsa-sha256",
         length=False, domain=DOMAIN):
    sig = dkim.sign(msg, sel, domain, key, canonicalize=canon,
                    signature_algorithm=alg, include_headers=HEADERS,
                    length=length)
    return sig + msg


def gen(d):
    time.time = lambda: 1700000000  # fixed t=, as RECIPES section 5
    keys = make_keys(d)
    k = {n: v[0] for n, v in keys.items()}
    zone = open(os.path.join(d, "keys.conf"), "w")
    for sel in ("r1024", "r2048", "ed"):
        zone.write(txt_record("%s._domainkey.dkim.test" % sel, keys[sel][1]))
        zone.write(txt_record("%s._domainkey.sub.dkim.test" % sel, keys[sel][1]))
    # "wrong": publishes r2048's key; messages are signed with "other"
    zone.write(txt_record("wrong._domainkey.dkim.test", keys["r2048"][1]))
    zone.close()

    ed = b"ed25519-sha256"
    cases = {
        "rsa1024-relaxed-simple": sign(BASE, b"r1024", k["r1024"]),
        "rsa2048-simple-simple": sign(BASE, b"r2048", k["r2048"], (b"simple", b"simple")),
        "rsa2048-relaxed-relaxed": sign(BASE, b"r2048", k["r2048"], (b"relaxed", b"relaxed")),
        "rsa2048-simple-relaxed": sign(BASE, b"r2048", k["r2048"], (b"simple", b"relaxed")),
        "ed25519-relaxed-relaxed": sign(BASE, b"ed", k["ed"], (b"relaxed", b"relaxed"), ed),
        "ed25519-simple-simple": sign(BASE, b"ed", k["ed"], (b"simple", b"simple"), ed),
        "wrong-key": sign(BASE, b"wrong", k["other"]),
        "missing-key": sign(BASE, b"missing", k["r2048"]),
        "revoked-key": sign(BASE, b"revoked", k["r2048"]),
        "malformed-key": sign(BASE, b"malformed", k["r2048"]),
        "not-a-key": sign(BASE, b"notkey", k["r2048"]),
        "subdomain-signer": sign(BASE, b"r2048", k["r2048"], domain=b"sub.dkim.test"),
    }
    good = cases["rsa2048-simple-simple"]
    cases["body-tampered"] = good.replace(b"figures are", b"figures were")
    cases["ed25519-body-tampered"] = cases["ed25519-relaxed-relaxed"].replace(
        b"Alice\r\n", b"Mallory\r\n")
    cases["header-tampered"] = good.replace(b"Subject: quarterly", b"Subject: monthly")
    # relaxed body canonicalisation ignores changed runs of white space
    cases["relaxed-whitespace"] = cases["rsa2048-relaxed-relaxed"].replace(
        b"are   attached  ", b"are attached")
    # the same message as a local file would hold it: LF line ends
    cases["lf-line-ends"] = cases["rsa2048-relaxed-relaxed"].replace(b"\r\n", b"\n")
    # l=: text appended after signing is not covered, and still passes
    cases["body-length-appended"] = sign(BASE, b"r2048", k["r2048"], length=True) + \
        b"Appended by a list: unsubscribe at http://spam.example/\r\n"
    # garbage in the signature field
    cases["garbage-version"] = good.replace(b"DKIM-Signature: v=1;", b"DKIM-Signature: v=9;", 1)
    cases["garbage-no-domain"] = good.replace(b" d=dkim.test;", b" d=;", 1)
    cases["garbage-tags"] = (b"DKIM-Signature: ;;; =; b=@@@; ==; v=1; x\x01y=\xff\r\n" + BASE)
    # the same garbage without the control byte: libopendkim parses it
    cases["garbage-tags-printable"] = (b"DKIM-Signature: ;;; =; b=@@@; ==; v=1; xy=\xff\r\n" + BASE)
    cases["garbage-bad-b64"] = good.replace(b" b=", b" b=!!!!", 1)
    # several signatures: the newest on top, an Ed25519 one over an RSA
    # one over one whose key is missing
    multi = sign(BASE, b"missing", k["r2048"])
    multi = sign(multi, b"r2048", k["r2048"])
    cases["three-signatures"] = sign(multi, b"ed", k["ed"], (b"relaxed", b"relaxed"), ed)
    # 50 signatures on one message (cap: the first dkim_max_signatures)
    fifty = BASE
    for i in range(50):
        fifty = sign(fifty, b"ed", k["ed"], (b"relaxed", b"relaxed"), ed)
    cases["fifty-signatures"] = fifty
    for name, msg in cases.items():
        with open(os.path.join(d, name + ".eml"), "wb") as f:
            f.write(msg)
    print("gen: %d keys, %d messages in %s" % (len(keys), len(cases), d))


def cross(d, port):
    from dnstest import txt_dnsfunc

    dnsfunc = txt_dnsfunc(port)
    checked = disagree = 0
    for got in sorted(f for f in os.listdir(d) if f.endswith(".got")):
        case = got[:-4]
        msg = open(os.path.join(d, case + ".eml"), "rb").read()
        for line in open(os.path.join(d, got)):
            idx, ours = line.split()
            try:
                theirs = dkim.DKIM(msg).verify(idx=int(idx), dnsfunc=dnsfunc)
            except Exception as e:  # dkimpy raises on some bad input
                theirs = False
                note = " (%s)" % type(e).__name__
            else:
                note = ""
            checked += 1
            if (ours == "pass") != bool(theirs):
                disagree += 1
                print("DISAGREE %s sig %s: winnow %s, dkimpy %s%s" %
                      (case, idx, ours, theirs, note))
    print("cross-check: %d signatures, %d disagreements" % (checked, disagree))
    if checked == 0:
        print("cross-check: nothing to compare")
        return 1
    return 1 if disagree else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "cross":
        sys.exit(cross(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
