#!/usr/bin/python3
"""test-spf.py - Winnow's SPF results must equal pyspf's (python3-spf).

Usage: test-spf.py TEST_SPF DNS_PORT

Both ask the same unbound on 127.0.0.1:DNS_PORT (tests/data/dns/spf.conf):
Winnow through `test-spf --query`, pyspf through its own resolver
(dnspython or pydns, whichever it picked) pointed at that server. Every
(client IP, HELO, MAIL FROM) case is compared on both identities; then a
silent server must give temperror to both. Exits 1 on any disagreement.

Left out on purpose: big.spf.test (a record over WN_DNS_MAX_TXT, 8 KB),
which Winnow declines as permerror while pyspf evaluates it whole.
"""
import socket
import subprocess
import sys

import spf

GOOD4, BAD4 = "192.0.2.10", "198.51.100.20"
GOOD6, BAD6 = "2001:db8::10", "2001:db8:ffff::20"
IPS = [GOOD4, BAD4, GOOD6, BAD6, "192.0.2.11", "192.0.2.14", "192.0.2.12",
       "2001:db8:0:ffff::1", "::ffff:192.0.2.10"]
DOMAINS = """pass fail softfail neutral none nothing split spf10 upper include
incsoft incnone incnx redirect redirpass redirnone a aprefix a6prefix mx
mxprefix cidr4 ip6 ip6host exists existsr macro macro6 helo helosoft badip
badcidr unknown badqual badmacro noarg tworedir two ten toomany loop1 chain0
chain2 void2 void3 void3b mx11 refused refuseda exp""".split()
EXTRA = [
    (GOOD4, "nohelo.spf.test", "alice@macro.spf.test"),
    (GOOD4, "nohelo.spf.test", "<alice@pass.spf.test>"),
    (GOOD4, "nohelo.spf.test", "pass.spf.test"),
    (GOOD4, "helo.spf.test", "x@pass.spf.test"),
    (BAD4, "helo.spf.test", "x@neutral.spf.test"),
    (GOOD4, "helosoft.spf.test", "x@fail.spf.test"),
    (BAD4, "helo.spf.test", "<>"),
    (GOOD4, "[192.0.2.10]", "x@pass.spf.test"),
    (GOOD4, "two.spf.test", "x@pass.spf.test"),
    (GOOD4, "refused.spf.test", "x@pass.spf.test"),
]


def cases():
    out = []
    for d in DOMAINS:
        dom = d + ".spf.test"
        for ip in IPS:
            out.append((ip, dom, "x@" + dom))  # both identities on dom
            out.append((ip, dom, ""))  # the null sender: postmaster@helo
    return out + EXTRA


def point_pyspf_at(port, timeout):
    """Makes pyspf's resolver ask 127.0.0.1:port only."""
    if spf.DNSLookup is spf.DNSLookup_dnspython:
        import dns.resolver
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = port
        r.timeout = r.lifetime = timeout
        dns.resolver.default_resolver = r
    else:
        import DNS
        DNS.defaults["server"] = ["127.0.0.1"]
        DNS.defaults["port"] = port
        DNS.defaults["timeout"] = timeout


def helo_name(helo):
    """Winnow checks the HELO identity only for a domain name (RFC 7208 2.3)."""
    if not helo or helo.startswith("[") or "." not in helo:
        return None
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, helo)
            return None
        except OSError:
            pass
    return helo


def pyspf_results(ip, helo, sender, querytime):
    s = sender.strip()
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    h = helo_name(helo)
    if s or h:
        mf = spf.check2(i=ip, s=s, h=h or "", querytime=querytime)[0]
    else:
        mf = "none"
    he = spf.check2(i=ip, s="", h=h, querytime=querytime)[0] if h else "none"
    return mf, he


def winnow_results(test_spf, forward, timeout_ms, todo):
    text = "".join("%s\t%s\t%s\n" % c for c in todo)
    out = subprocess.run([test_spf, "--query", forward, str(timeout_ms)],
                         input=text, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == len(todo), out.stderr
    return [tuple(line.split("\t")[0].split(" ")) + (line.split("\t")[1],)
            for line in lines]


def compare(todo, ours, theirs):
    bad = 0
    seen = {}
    for c, o, t in zip(todo, ours, theirs):
        seen[o[0]] = seen.get(o[0], 0) + 1
        if (o[0], o[1]) != t:
            bad += 1
            print("DIFFER ip=%s helo=%s from=%r: winnow %s/%s (%s), pyspf %s/%s"
                  % (c + o[:2] + (o[2],) + t))
    return bad, seen


def main():
    test_spf, port = sys.argv[1], int(sys.argv[2])
    todo = cases()
    point_pyspf_at(port, 2)
    ours = winnow_results(test_spf, "127.0.0.1@%d" % port, 2000, todo)
    theirs = [pyspf_results(*c, querytime=5) for c in todo]
    bad, seen = compare(todo, ours, theirs)
    print("cross-check: %d cases, %d disagreements; mailfrom results %s"
          % (len(todo), bad, dict(sorted(seen.items()))))

    # a server that never answers: temperror on both sides
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    sport = silent.getsockname()[1]
    slow = [(GOOD4, "helo.spf.test", "x@pass.spf.test")]
    ours = winnow_results(test_spf, "127.0.0.1@%d" % sport, 300, slow)
    point_pyspf_at(sport, 1)
    theirs = [pyspf_results(*c, querytime=1) for c in slow]
    b2, _ = compare(slow, ours, theirs)
    if ours[0][:2] != ("temperror", "temperror"):
        print("silent server: winnow gave %s/%s" % ours[0][:2])
        b2 += 1
    print("silent server: winnow %s/%s, pyspf %s/%s" % (ours[0][:2] + theirs[0]))
    return 1 if bad or b2 else 0


if __name__ == "__main__":
    sys.exit(main())
