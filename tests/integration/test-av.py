#!/usr/bin/python3
"""Fixtures for tests/integration/test-av (filterd/check_av.c).

`test-av.py DIR` writes DIR/db/test.ndb (EICAR as a body signature,
RECIPES section 4), DIR/db/test.hdb when Debian's clamav-testfiles are
installed (MD5 of clam.exe), an empty DIR/empty/, and the messages
DIR/<case>.eml that test-av.c scans. Nothing here is kept in the
repository: EICAR is assembled at run time.
"""
import hashlib
import io
import os
import sys
import zipfile
from email.message import EmailMessage

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
TESTFILES = "/usr/share/clamav-testfiles"


def base_msg(subject):
    m = EmailMessage()
    m["From"] = "sender@example.org"
    m["To"] = "rcpt@example.com"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.org>" % subject.replace(" ", "-")
    return m


def attach(subject, data, name, maintype="application", subtype="octet-stream"):
    m = base_msg(subject)
    m.set_content("See the attachment.\n")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def zip_of(name, data):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return out.getvalue()


def write(d, name, m):
    data = m if isinstance(m, bytes) else m.as_bytes()
    with open(os.path.join(d, name + ".eml"), "wb") as f:
        f.write(data)


def make_db(d):
    db = os.path.join(d, "db")
    os.makedirs(db, exist_ok=True)
    os.makedirs(os.path.join(d, "empty"), exist_ok=True)
    with open(os.path.join(db, "test.ndb"), "w") as f:
        f.write("Test.EICAR-NDB:0:*:%s\n" % EICAR.hex())
    exe = os.path.join(TESTFILES, "clam.exe")
    if os.path.exists(exe):
        data = open(exe, "rb").read()
        with open(os.path.join(db, "test.hdb"), "w") as f:
            f.write("%s:%d:Test.ClamExe-HDB\n" % (hashlib.md5(data).hexdigest(), len(data)))


def nested_zip(depth):
    data = EICAR
    name = "eicar.com"
    for i in range(depth):
        data = zip_of(name, data)
        name = "level%d.zip" % i
    return data


def make_messages(d):
    m = base_msg("eicar inline")
    m.set_content("Hello,\n\n" + EICAR.decode() + "\n\nbye\n")
    write(d, "eicar-inline", m)
    write(d, "eicar-base64", attach("eicar base64", EICAR, "eicar.com"))
    write(d, "eicar-zip", attach("eicar zip", zip_of("eicar.com", EICAR), "eicar.zip",
                                 subtype="zip"))
    inner = attach("inner", EICAR, "eicar.com")
    outer = base_msg("eicar in attached message")
    outer.set_content("Forwarded message attached.\n")
    outer.add_attachment(inner)  # message/rfc822
    write(d, "eicar-rfc822", outer)
    clean = attach("clean", b"Just a plain text file.\n" * 40, "notes.txt", "text", "plain")
    write(d, "clean", clean)
    # zip bomb: 300 MB of zeros deflate to about 300 KB
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("zeros.bin", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(block)
    write(d, "zip-bomb", attach("zip bomb", out.getvalue(), "bomb.zip", subtype="zip"))
    write(d, "deep-zip", attach("deep zip", nested_zip(40), "deep.zip", subtype="zip"))
    write(d, "shallow-zip", attach("shallow zip", nested_zip(5), "shallow.zip", subtype="zip"))
    # base64 attachments cut short: in the middle of EICAR (no signature
    # left to match), and after it (the virus is all there)
    full = attach("truncated", EICAR + b"\n" + os.urandom(3000), "eicar.bin").as_bytes()
    cut = full.index(b"WDVPIVAlQEFQ")  # base64 of EICAR's start
    write(d, "trunc-mid", full[:cut + 40])
    write(d, "trunc-after", full[:cut + 200])
    # many messages attached in a row, nested: message in message in ...
    m = attach("deep rfc822 0", EICAR, "eicar.com")
    for i in range(1, 30):
        o = base_msg("deep rfc822 %d" % i)
        o.set_content("level %d\n" % i)
        o.add_attachment(m)
        m = o
    write(d, "deep-rfc822", m)
    if os.path.exists(os.path.join(TESTFILES, "clam.exe")):
        exe = open(os.path.join(TESTFILES, "clam.exe"), "rb").read()
        write(d, "clamexe", attach("clam.exe", exe, "clam.exe"))
        czip = open(os.path.join(TESTFILES, "clam.zip"), "rb").read()
        write(d, "clamzip", attach("clam.zip", czip, "clam.zip", subtype="zip"))


def main():
    d = sys.argv[1]
    make_db(d)
    make_messages(d)


if __name__ == "__main__":
    main()
