#!/usr/bin/python3
"""test-arc.py - fixtures and cross-check for tests/integration/test-arc.

  test-arc.py gen DIR
      Makes fresh RSA keys with dknewkey (python3-dkim's ARC signer does
      RSA only), the unbound zone DIR/keys.conf publishing them under
      arc.test., and DIR/<case>.eml: messages that went through 1, 2 or
      3 hops, each hop adding its Authentication-Results and then an ARC
      set made by python3-dkim's dkim.arc_sign, plus tampered and broken
      variants of them. No private key is kept in the repository.

  test-arc.py cross DIR PORT
      For every DIR/<case>.got written by test-arc (one word: Winnow's
      result), verifies DIR/<case>.eml with python3-dkim's
      dkim.arc_verify, keys asked from the unbound on 127.0.0.1:PORT
      through dnspython. Fails on any disagreement: ours "pass" exactly
      when theirs is cv=pass.
"""
import os
import re
import subprocess
import sys

import dkim

BASE = (b"From: Alice <alice@author.test>\r\n"
        b"To: list@lists.test\r\n"
        b"Subject: meeting notes\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        b"Message-ID: <arc-test-1@author.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Hello list,\r\n"
        b"\r\n"
        b"the notes are   below  \r\n"
        b"\r\n"
        b"-- \r\nAlice\r\n\r\n\r\n")
HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]

# hop name -> (selector, domain)
HOPS = {
    "a": (b"s1", b"a.arc.test"),
    "b": (b"s2", b"b.arc.test"),
    "c": (b"s3", b"c.arc.test"),
    "wrong": (b"wrong", b"a.arc.test"),     # publishes a's key; signed with "other"
    "missing": (b"missing", b"a.arc.test"),  # no record (NXDOMAIN)
    "revoked": (b"revoked", b"a.arc.test"),  # p= empty (tests/data/dns/arc.conf)
    "malformed": (b"malformed", b"a.arc.test"),  # p= not a key (arc.conf)
}


def run(*cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def txt_record(name, value):
    parts = [value[i:i + 250] for i in range(0, len(value), 250)] or [""]
    quoted = " ".join('"%s"' % p for p in parts)
    return "local-data: '%s. 300 IN TXT %s'\n" % (name, quoted)


def hop(msg, who, key, arc, keys, srv=None):
    """msg as received and sealed by hop `who`: its A-R (with the arc=
    result it saw), then the ARC set arc_sign makes. Each hop needs its
    own authserv-id srv: arc_sign merges every A-R with its id."""
    sel, dom = HOPS[who]
    srv = srv or b"mx." + dom
    ar = (b"Authentication-Results: " + srv + b"; spf=pass smtp.mailfrom=author.test;"
          b" dkim=pass header.d=author.test; dmarc=pass header.from=author.test;"
          b" arc=" + arc + b"\r\n")
    msg = ar + msg
    sets = dkim.arc_sign(msg, sel, dom, keys[key], srv, include_headers=HEADERS)
    if not sets:
        raise SystemExit("arc_sign made no set for hop %s" % who)
    return b"".join(sets) + msg


def list_rewrite(msg):
    """What a mailing list does: a subject tag and a footer."""
    msg = msg.replace(b"Subject: meeting notes", b"Subject: [list] meeting notes")
    return msg + b"--\r\nlist footer: unsubscribe at lists.test\r\n"


def field_lines(msg, name, instance):
    """(start, end) of the field `name` with i=instance, folded lines
    included."""
    pat = re.compile(rb"^" + name + rb":[^\n]*\n(?:[ \t][^\n]*\n)*", re.M | re.I)
    for m in pat.finditer(msg):
        if re.search(rb"\bi=%d;" % instance, m.group(0)):
            return m.start(), m.end()
    raise SystemExit("no %s i=%d" % (name, instance))


def drop_field(msg, name, instance):
    s, e = field_lines(msg, name, instance)
    return msg[:s] + msg[e:]


def dup_field(msg, name, instance):
    s, e = field_lines(msg, name, instance)
    return msg[:s] + msg[s:e] + msg[s:e] + msg[e:]


def gen(d):
    keys = {}
    for name in ("a", "b", "c", "other"):
        run("dknewkey", name, cwd=d)
        keys[name] = open(os.path.join(d, name + ".key"), "rb").read()
    dns = {n: open(os.path.join(d, n + ".dns")).read().strip() for n in keys}
    with open(os.path.join(d, "keys.conf"), "w") as zone:
        for who in ("a", "b", "c"):
            sel, dom = HOPS[who]
            zone.write(txt_record("%s._domainkey.%s" % (sel.decode(), dom.decode()), dns[who]))
        zone.write(txt_record("wrong._domainkey.a.arc.test", dns["a"]))

    cases = {"no-arc": BASE}
    one = hop(BASE, "a", "a", b"none", keys)
    two = hop(one, "b", "b", b"pass", keys)
    three = hop(two, "c", "c", b"pass", keys)
    cases["one-hop"] = one
    cases["two-hops"] = two
    cases["three-hops"] = three
    # a list between hop a and hop b rewrote subject and body: the chain
    # passes, AMS 1 no longer verifies, oldest-pass is 2
    listed = hop(list_rewrite(one), "b", "b", b"pass", keys)
    cases["list-rewrote"] = listed
    cases["three-hops-lf"] = three.replace(b"\r\n", b"\n")
    # changes after the last seal
    cases["body-modified"] = two.replace(b"notes are", b"notes were")
    cases["body-whitespace"] = two.replace(b"are   below  ", b"are below")  # relaxed: still passes
    cases["subject-modified"] = two.replace(b"Subject: meeting", b"Subject: Meeting")
    s, e = field_lines(two, b"ARC-Seal", 1)
    cases["seal-modified"] = two[:s] + re.sub(rb"; t=(\d)", lambda m: b"; t=" + (
        b"2" if m.group(1) == b"1" else b"1"), two[s:e], count=1) + two[e:]
    s, e = field_lines(two, b"ARC-Authentication-Results", 1)
    cases["aar-modified"] = two[:s] + two[s:e].replace(b"spf=pass", b"spf=fail", 1) + two[e:]
    s, e = field_lines(two, b"ARC-Seal", 2)
    cases["cv-none-at-2"] = two[:s] + two[s:e].replace(b"cv=pass", b"cv=none", 1) + two[e:]
    # structure
    cases["missing-ams-1"] = drop_field(two, b"ARC-Message-Signature", 1)
    cases["missing-set-2"] = drop_field(drop_field(drop_field(
        three, b"ARC-Seal", 2), b"ARC-Message-Signature", 2), b"ARC-Authentication-Results", 2)
    cases["duplicate-seal-1"] = dup_field(two, b"ARC-Seal", 1)
    cases["aar-without-instance"] = two.replace(b"ARC-Authentication-Results: i=1;",
                                                b"ARC-Authentication-Results: x=1;", 1)
    cases["garbage-seal"] = b"ARC-Seal: ;;; =; b=@@@; ==; i=1; x\x01y=\xff\r\n" + one
    # hop b saw a broken chain: its seal says cv=fail
    cases["cv-fail"] = hop(cases["body-modified"], "c", "c", b"fail", keys)
    # keys
    cases["wrong-key"] = hop(BASE, "wrong", "other", b"none", keys)
    cases["missing-key"] = hop(BASE, "missing", "a", b"none", keys)
    cases["revoked-key"] = hop(BASE, "revoked", "a", b"none", keys)
    cases["malformed-key"] = hop(BASE, "malformed", "a", b"none", keys)
    # a good hop over a hop whose key is missing
    cases["missing-key-hop-1"] = hop(cases["missing-key"], "b", "b", b"pass", keys)
    # 50 sets (the most RFC 8617 allows, arc_sign refuses more) pass;
    # 60 (ten more copied with new instances) are refused, bounded
    fifty = BASE
    for i in range(50):
        fifty = hop(fifty, "abc"[i % 3], "abc"[i % 3], b"none" if i == 0 else b"pass", keys,
                    srv=b"mx%d.arc.test" % (i + 1))
    cases["fifty-sets"] = fifty
    extra = b""
    for i in range(51, 61):
        for name in (b"ARC-Seal", b"ARC-Message-Signature", b"ARC-Authentication-Results"):
            s, e = field_lines(fifty, name, 50)
            extra += fifty[s:e].replace(b"i=50;", b"i=%d;" % i, 1)
    cases["sixty-sets"] = extra + fifty
    for name, msg in cases.items():
        with open(os.path.join(d, name + ".eml"), "wb") as f:
            f.write(msg)
    print("gen: %d messages in %s" % (len(cases), d))


def cross(d, port):
    from dnstest import txt_dnsfunc

    dnsfunc = txt_dnsfunc(port)
    checked = disagree = 0
    for got in sorted(f for f in os.listdir(d) if f.endswith(".got")):
        case = got[:-4]
        msg = open(os.path.join(d, case + ".eml"), "rb").read()
        ours = open(os.path.join(d, got)).read().split()[0]
        try:
            cv, _, why = dkim.arc_verify(msg, dnsfunc=dnsfunc)
        except Exception as e:  # dkimpy raises on some bad input
            cv, why = None, type(e).__name__
        checked += 1
        if (ours == "pass") != (cv == dkim.CV_Pass):
            disagree += 1
            print("DISAGREE %s: winnow %s, dkimpy %s (%s)" % (case, ours, cv, why))
    print("cross-check: %d messages, %d disagreements" % (checked, disagree))
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
