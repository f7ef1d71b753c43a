#!/usr/bin/python3
"""Fixtures of test-net.sh: a fresh RSA key (python3-dkim's dknewkey),
the zone file publishing it with SPF, DNSBL and URIBL data, and the
messages (signed with python3-dkim, and the same tampered).

usage: test-net.py DIR"""
import os
import subprocess
import sys

import dkim

D = sys.argv[1]
MSG = (b"Received: from mail.net.test (mail.net.test [192.0.2.10])\r\n"
       b"\tby mx.winnow.test (Postfix) with ESMTP id 4AB12\r\n"
       b"\tfor <bob@example.org>; Mon, 30 Nov 2026 10:00:00 +0000\r\n"
       b"From: Alice <alice@net.test>\r\nTo: bob@example.org\r\n"
       b"Subject: lunch on friday\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <lunch.1@net.test>\r\n\r\n"
       b"Shall we meet at noon? The menu is at http://www.spammy-menu.com/menu\r\n")


def main():
    key = os.path.join(D, "sel")
    subprocess.run(["dknewkey", "--ktype", "rsa", key], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    priv = open(key + ".key", "rb").read()
    pub = open(key + ".dns").read().strip()
    pub = pub.split("p=", 1)[1].replace('"', "").replace(" ", "").replace("\n", "")
    sig = dkim.sign(MSG, b"sel", b"net.test", priv,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    signed = sig + MSG
    open(os.path.join(D, "signed.eml"), "wb").write(signed)
    open(os.path.join(D, "tampered.eml"), "wb").write(
        signed.replace(b"at noon", b"at one"))
    # a mailing list (list.test) rewrote the body after checking the
    # original, then sealed what it saw (ARC, RFC 8617): the DKIM
    # signature is broken now, the chain vouches for it
    lkey = os.path.join(D, "lsel")
    subprocess.run(["dknewkey", "--ktype", "rsa", lkey], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lpriv = open(lkey + ".key", "rb").read()
    lpub = open(lkey + ".dns").read().strip()
    lpub = lpub.split("p=", 1)[1].replace('"', "").replace(" ", "").replace("\n", "")
    listed = (b"Authentication-Results: list.test; spf=pass smtp.mailfrom=net.test;"
              b" dkim=pass header.d=net.test; dmarc=pass header.from=net.test\r\n" +
              signed.replace(b"at noon", b"at noon [list footer]"))
    sets = dkim.arc_sign(listed, b"lsel", b"list.test", lpriv, b"list.test",
                         include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    open(os.path.join(D, "arc.eml"), "wb").write(b"".join(sets) + listed)
    chunks = [pub[i:i + 200] for i in range(0, len(pub), 200)]
    txt = " ".join('"%s"' % c for c in ["v=DKIM1; k=rsa; p="] + chunks)
    ltxt = " ".join('"%s"' % c for c in ["v=DKIM1; k=rsa; p="] +
                    [lpub[i:i + 200] for i in range(0, len(lpub), 200)])
    zone = ['local-zone: "net.test." static',
            "local-data: 'net.test. 300 IN TXT \"v=spf1 ip4:192.0.2.10 -all\"'",
            'local-data: "mail.net.test. 300 IN A 192.0.2.10"',
            "local-data: 'mail.net.test. 300 IN TXT \"v=spf1 a -all\"'",
            "local-data: 'sel._domainkey.net.test. 300 IN TXT %s'" % txt,
            'local-zone: "list.test." static',
            "local-data: 'lsel._domainkey.list.test. 300 IN TXT %s'" % ltxt,
            # DNSBL: 192.0.2.10 listed with code 2, 192.0.2.20 with 4
            'local-data: "10.2.0.192.bl.net.test. 300 IN A 127.0.0.2"',
            'local-data: "20.2.0.192.bl.net.test. 300 IN A 127.0.0.4"',
            # DMARC: the author domain asks for reject
            "local-data: '_dmarc.net.test. 300 IN TXT \"v=DMARC1; p=reject\"'",
            # URIBL: spammy-menu.com listed with code 2
            'local-data: "spammy-menu.com.uribl.net.test. 300 IN A 127.0.0.2"']
    open(os.path.join(D, "net.conf"), "w").write("\n".join(zone) + "\n")


main()
