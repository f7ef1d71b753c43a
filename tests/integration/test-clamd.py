"""Fixtures and a silent peer for test-clamd.sh.

gen DIR: the private signature database DIR/db/test.ndb (the EICAR test
string, RECIPES section 4) and the test messages: EICAR inline in a
text body, as a base64 attachment, inside a zip attachment, a clean
message, and a clean message over the test clamd's StreamMaxLength.

silent DIR: listens on DIR/silent-read.sock (accepts, reads everything,
never answers) and DIR/silent-noread.sock (accepts, never reads, so a
large message fills the socket buffers), writes DIR/silent.ready, and
runs until killed.
"""
import io
import os
import select
import socket
import sys
import zipfile
from email.message import EmailMessage

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
         b"$H+H*")
assert len(EICAR) == 68


def message(subject):
    m = EmailMessage()
    m["From"] = "sender@example.test"
    m["To"] = "rcpt@example.test"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.test>" % subject.replace(" ", "-")
    return m


def gen(d):
    os.makedirs(os.path.join(d, "db"), exist_ok=True)
    with open(os.path.join(d, "db", "test.ndb"), "w") as f:
        f.write("Test.EICAR-NDB:0:*:%s\n" % EICAR.hex())
    out = {}
    m = message("eicar inline")
    m.set_content("Here it is:\n" + EICAR.decode() + "\n", cte="7bit")
    out["eicar-inline"] = m
    m = message("eicar attached")
    m.set_content("See the attachment.\n")
    m.add_attachment(EICAR, maintype="application", subtype="octet-stream",
                     filename="eicar.com")
    out["eicar-b64"] = m
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "nothing here\n")
        zf.writestr("eicar.com", EICAR)
    m = message("eicar zipped")
    m.set_content("See the zip.\n")
    m.add_attachment(z.getvalue(), maintype="application", subtype="zip",
                     filename="files.zip")
    out["eicar-zip"] = m
    m = message("clean")
    m.set_content("Nothing to see here.\n")
    m.add_attachment(b"just some bytes\n" * 100, maintype="application",
                     subtype="octet-stream", filename="data.bin")
    out["clean"] = m
    m = message("big")
    m.set_content("".join("line %06d of a long and harmless message\n" % i
                          for i in range(8000)))
    out["big"] = m  # about 350 kB; the test clamd takes 100 kB
    for name, m in out.items():
        with open(os.path.join(d, name + ".eml"), "wb") as f:
            f.write(bytes(m))


def silent(d):
    ls_read = socket.socket(socket.AF_UNIX)
    ls_read.bind(os.path.join(d, "silent-read.sock"))
    ls_read.listen(16)
    ls_noread = socket.socket(socket.AF_UNIX)
    ls_noread.bind(os.path.join(d, "silent-noread.sock"))
    ls_noread.listen(16)
    open(os.path.join(d, "silent.ready"), "w").close()
    readers, held = [], []
    while True:
        r, _, _ = select.select([ls_read, ls_noread] + readers, [], [])
        for s in r:
            if s is ls_read:
                readers.append(s.accept()[0])
            elif s is ls_noread:
                held.append(s.accept()[0])
            elif not s.recv(65536):
                readers.remove(s)
                s.close()


if __name__ == "__main__":
    {"gen": gen, "silent": silent}[sys.argv[1]](sys.argv[2])
