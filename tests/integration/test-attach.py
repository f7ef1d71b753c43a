#!/usr/bin/python3
"""Makes the attachment policy's test messages in DIR: real MIME mail
(python's email package) carrying real attachments: a PE stub, an ELF
stub, a Mach-O header, a #! script, an MSI (OLE with the installer
CLSID), zips made by zipfile, an encrypted zip made by the real
zip(1) with -P, a zip bomb, a 1000-deep nested zip, clean pdf, docx and
zip. For each NAME.eml a NAME.case says what test-attach must find:

    set KEY=VALUE        config for this case (cfg -o syntax)
    policy FILE          attach_policy_file (in DIR)
    rcpt ADDR            envelope recipient (repeatable)
    hit NAME             the exact set of hits (none: no hit lines)
    action NAME          the action demanded (none when absent)
    reason TEXT          the reason given with it, exactly
    desc NAME TEXT       the description of hit NAME, exactly
    maxms N              the judging must take less than N ms
"""
import email
import email.policy
import gzip
import io
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from email.message import EmailMessage
from email.policy import SMTP

D = sys.argv[1]

# ---- file contents ----


def pe_stub():
    """A DOS header whose e_lfanew points to a PE header (i386, 0 sections)."""
    dos = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 0x3C)
    struct.pack_into("<I", dos, 0x3C, 0x40)
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 0, 0, 0, 0, 0xE0, 0x102)
    return bytes(dos) + pe + b"\x00" * 200


def elf_stub():
    return (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 +
            struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 100)


def macho_stub():
    return b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00" + b"\x00" * 64


def msi_stub():
    """An OLE compound file header (512-byte sectors) and a directory
    sector whose root entry carries the MSI CLSID."""
    hdr = bytearray(512)
    hdr[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", hdr, 0x18, 0x3E, 3, 0xFFFE)
    struct.pack_into("<HH", hdr, 0x1E, 9, 6)
    struct.pack_into("<I", hdr, 0x30, 0)      # first directory sector
    d = bytearray(512)
    name = "Root Entry".encode("utf-16-le")
    d[0:len(name)] = name
    struct.pack_into("<H", d, 0x40, len(name) + 2)
    d[0x42] = 5                               # root storage
    # {000C1084-0000-0000-C000-000000000046} as stored (little-endian fields)
    d[0x50:0x60] = b"\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
    return bytes(hdr) + bytes(d)


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
SCRIPT = b"#!/bin/sh\necho pwned > /tmp/x\n"


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def docx():
    return zip_bytes([
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.'
         b'openxmlformats.org/package/2006/content-types"/>'),
        ("_rels/.rels", b"<Relationships/>"),
        ("word/document.xml", b"<w:document><w:body><w:p>Hello</w:p></w:body></w:document>"),
    ])


def encrypted_zip(members):
    """A real ZipCrypto archive from zip(1) -P."""
    with tempfile.TemporaryDirectory() as t:
        names = []
        for name, data in members:
            with open(os.path.join(t, name), "wb") as f:
                f.write(data)
            names.append(name)
        subprocess.run(["zip", "-q", "-P", "secret", "out.zip"] + names, cwd=t, check=True)
        with open(os.path.join(t, "out.zip"), "rb") as f:
            return f.read()


def raw_zip(entries):
    """A zip written by hand: entries are (name, method, compressed data,
    crc, uncompressed size), so a bomb's member can declare sizes its
    data really inflates to without us building them in memory."""
    out = bytearray()
    central = bytearray()
    for name, method, comp, crc, usize in entries:
        n = name.encode()
        off = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0, crc,
                           len(comp), usize, len(n), 0) + n + comp
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0,
                               crc, len(comp), usize, len(n), 0, 0, 0, 0, 0, off) + n
    cd_off = len(out)
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                       len(central), cd_off, 0)
    return bytes(out)


def raw_zip64(entries):
    """The same with zip64 end records (what archivers write past 65535
    entries or 4 GB): the classic end record says "see zip64"."""
    z = raw_zip(entries)
    eocd = z.rindex(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack_from("<HII", z, eocd + 10)
    rec = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, cd_size, cd_off)
    loc = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                      0xFFFFFFFF, 0)
    return z[:eocd] + rec + loc + end


def bomb(members, size):
    """members entries of size zero bytes each, deflated once and reused."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * (1 << 20)
    comp = bytearray()
    crc = 0
    for _ in range(size >> 20):
        comp += c.compress(chunk)
        crc = zlib.crc32(chunk, crc)
    comp += c.flush()
    return raw_zip([("data%d.bin" % i, 8, bytes(comp), crc, size) for i in range(members)])


def nested(depth, inner):
    data = inner
    for i in range(depth):
        data = zip_bytes([("level%d.zip" % i if i else "inner.zip", data)],
                         zipfile.ZIP_STORED)
    return data


# ---- messages ----

def message(parts, rcpt="user@example.test", subject="test"):
    m = EmailMessage()
    m["From"] = "sender@example.org"
    m["To"] = rcpt
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.org>" % subject.replace(" ", ".")
    m.set_content("Please see the attachment.\n")
    for name, ctype, data in parts:
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes(policy=SMTP)


def case(name, parts, expect, extra=None):
    with open(os.path.join(D, name + ".eml"), "wb") as f:
        f.write(extra if extra is not None else message(parts, subject=name))
    with open(os.path.join(D, name + ".case"), "w") as f:
        f.write(expect.strip() + "\n")


OCT = "application/octet-stream"

case("clean-pdf", [("report.pdf", "application/pdf", PDF)], "")
case("clean-docx", [("report.docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     docx())], "")
case("clean-zip", [("photos.zip", "application/zip",
                    zip_bytes([("a.txt", b"hello\n"), ("b.pdf", PDF), ("c/d.jpg", JPEG)]))], "")
case("exe", [("setup.exe", OCT, pe_stub())], """
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: setup.exe (banned extension .exe)
desc WN_ATTACH_EXECUTABLE setup.exe: Windows executable (PE)
""")
case("double", [("invoice.pdf.exe", "application/pdf", pe_stub())], """
hit WN_ATTACH_DOUBLE_EXT
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: invoice.pdf.exe (double extension .pdf.exe)
desc WN_ATTACH_TYPE_MISMATCH invoice.pdf.exe: declared application/pdf, content is Windows executable (PE)
""")
case("pdf-is-exe", [("invoice.pdf", "application/pdf", pe_stub())], """
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: invoice.pdf (Windows executable (PE))
desc WN_ATTACH_TYPE_MISMATCH invoice.pdf: named .pdf, content is Windows executable (PE)
""")
case("padded", [("photo.jpg      .scr", "image/jpeg", JPEG)], """
hit WN_ATTACH_DOUBLE_EXT
action reject
reason banned attachment: photo.jpg      .scr (double extension .jpg.scr)
""")
case("rlo", [("photo_\u202egpj.exe", "image/jpeg", JPEG)], """
hit WN_ATTACH_BANNED_EXT
action reject
reason banned attachment: photo_?gpj.exe (banned extension .exe, hidden by Unicode controls)
""")
case("zero-width", [("report.pdf\u200b.EXE\u200b", OCT, pe_stub())], """
hit WN_ATTACH_DOUBLE_EXT
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: report.pdf?.EXE? (double extension .pdf.exe, hidden by Unicode controls)
""")
case("trailing-dots", [("run.Exe. . .", OCT, b"plain text, not a program\n")], """
hit WN_ATTACH_BANNED_EXT
action reject
reason banned attachment: run.Exe. . . (banned extension .exe)
""")
case("elf", [("tool", OCT, elf_stub())], """
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: tool (ELF executable)
""")
case("macho", [("app.bin", OCT, macho_stub())], """
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: app.bin (Mach-O executable)
""")
case("script-txt", [("notes.txt", "text/plain", SCRIPT)], """
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: notes.txt (#! script)
""")
case("msi-doc", [("readme.doc", "application/msword", msi_stub())], """
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: readme.doc (Windows installer (MSI))
""")
case("zip-scr", [("docs.zip", "application/zip", zip_bytes([("a.txt", b"hi\n"), ("x.scr", pe_stub())]))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: docs.zip/x.scr (banned extension .scr)
""")
case("zip-in-zip", [("outer.zip", "application/zip",
                     zip_bytes([("inner.zip", zip_bytes([("dir/payload.js", b"WScript.Echo(1)")]))]))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: outer.zip/inner.zip/dir/payload.js (banned extension .js)
""")
case("zip-exe-as-txt", [("files.zip", "application/zip", zip_bytes([("readme.txt", pe_stub())]))], """
hit WN_ATTACH_IN_ARCHIVE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: files.zip/readme.txt (Windows executable (PE))
""")
case("encrypted", [("secret.zip", "application/zip", encrypted_zip([("invoice.pdf", PDF)]))], """
hit WN_ATTACH_ENCRYPTED_ARCHIVE
desc WN_ATTACH_ENCRYPTED_ARCHIVE secret.zip: password-protected
""")
case("encrypted-exe", [("secret.zip", "application/zip", encrypted_zip([("invoice.exe", pe_stub())]))], """
hit WN_ATTACH_ENCRYPTED_ARCHIVE
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: secret.zip/invoice.exe (banned extension .exe)
""")
with open(os.path.join(D, "encrypted-reject.eml"), "wb") as f:
    f.write(message([("secret.zip", "application/zip", encrypted_zip([("invoice.pdf", PDF)]))],
                    subject="encrypted-reject"))
with open(os.path.join(D, "encrypted-reject.case"), "w") as f:
    f.write("set attach_encrypted_action=quarantine\nhit WN_ATTACH_ENCRYPTED_ARCHIVE\n"
            "action quarantine\nreason encrypted archive: secret.zip\n")
case("pdf-is-zip", [("scan.pdf", "application/pdf", zip_bytes([("a.txt", b"hi\n")]))], """
hit WN_ATTACH_TYPE_MISMATCH
desc WN_ATTACH_TYPE_MISMATCH scan.pdf: named .pdf, content is zip archive
""")
case("rar", [("files.rar", OCT, b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64)], """
hit WN_ATTACH_UNCHECKED
desc WN_ATTACH_UNCHECKED files.rar: rar archive not opened
""")
case("bomb", [("bomb.zip", "application/zip", bomb(8, 256 << 20))], """
hit WN_ATTACH_UNCHECKED
maxms 2000
""")
INNER_BOMB = bomb(4, 64 << 20)
case("nested-bomb", [("nested.zip", "application/zip",
                      zip_bytes([("b%d.zip" % i, INNER_BOMB) for i in range(16)]))], """
set attach_max_inflate=1m
hit WN_ATTACH_UNCHECKED
maxms 2000
""")
case("deep1000", [("deep.zip", "application/zip", nested(1000, zip_bytes([("evil.exe", pe_stub())])))], """
hit WN_ATTACH_UNCHECKED
desc WN_ATTACH_UNCHECKED deep.zip/level999.zip/level998.zip/level997.zip/level996.zip/level995.zip/level994.zip/level993.zip/level992.zip: nesting over 8 archives
maxms 2000
""")
case("deep3", [("deep.zip", "application/zip", nested(3, zip_bytes([("evil.exe", pe_stub())])))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: deep.zip/level2.zip/level1.zip/inner.zip/evil.exe (banned extension .exe)
""")
case("many-members", [("many.zip", "application/zip",
                       zip_bytes([("f%d.txt" % i, b"x") for i in range(1500)], zipfile.ZIP_STORED))], """
hit WN_ATTACH_UNCHECKED
desc WN_ATTACH_UNCHECKED many.zip: over 1000 archive members
maxms 2000
""")

PE = pe_stub()
case("zip64", [("big.zip", "application/zip",
                raw_zip64([("ok.txt", 0, b"fine\n", zlib.crc32(b"fine\n"), 5),
                           ("big.exe", 0, PE, zlib.crc32(PE), len(PE))]))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: big.zip/big.exe (banned extension .exe)
""")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("run.vbs", "w", force_zip64=True) as f:
        f.write(b"MsgBox 1")
case("zip64-entry", [("x.zip", "application/zip", buf.getvalue())], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: x.zip/run.vbs (banned extension .vbs)
""")
case("sfx-as-zip", [("setup.zip", "application/zip", PE + zip_bytes([("x.js", b"1")]))], """
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: setup.zip (Windows executable (PE))
""")
def tar_gz(members, mode="w:gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def gz(data, fname=None):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=fname or "", mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


case("tar-gz", [("logs.tar.gz", "application/gzip",
                 tar_gz([("logs/app.log", b"ok\n"), ("bin/run.ps1", b"Write-Host 1")]))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: logs.tar.gz/logs.tar/bin/run.ps1 (banned extension .ps1)
""")
case("tar-long-name", [("backup.tar", "application/x-tar",
                        tar_gz([("d/" + "x" * 150 + ".vbs", b"MsgBox 1")], "w"))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: backup.tar/d/%s.vbs (banned extension .vbs)
""" % ("x" * 150))
case("gz-exe", [("report.gz", "application/gzip", gz(pe_stub()))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: report.gz/report (Windows executable (PE))
""")
case("gz-fname", [("invoice.gz", "application/gzip", gz(pe_stub(), "invoice.pdf.exe"))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: invoice.gz/invoice.pdf.exe (double extension .pdf.exe)
""")
case("clean-tgz", [("src.tgz", "application/gzip",
                    tar_gz([("src/a.c", b"int main(void){return 0;}\n"), ("README", b"hi\n")]))], "")
case("zip-tgz-exe", [("pack.zip", "application/zip",
                      zip_bytes([("inner.tgz", tar_gz([("setup.exe", pe_stub())]))]))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: pack.zip/inner.tgz/inner.tar/setup.exe (banned extension .exe)
""")
case("mz-text", [("mz.txt", "text/plain", b"MZ Corporation quarterly report\n" * 20)], "")
case("clean-nested", [("backup.zip", "application/zip",
                       zip_bytes([("2025/photos.zip", zip_bytes([("a.jpg", JPEG)])), ("notes.txt", b"x")]))], "")

# an attached message carrying a program: the parser opens it for us
inner = message([("setup.exe", OCT, pe_stub())], subject="inner")
m = EmailMessage()
m["From"] = "sender@example.org"
m["To"] = "user@example.test"
m["Subject"] = "forwarded"
m.set_content("Forwarded.\n")
m.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
case("rfc822", None, """
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: setup.exe (banned extension .exe)
""", extra=m.as_bytes(policy=SMTP))
# the same base64-encoded, which the MIME parser leaves closed: we open it
m = EmailMessage()
m["From"] = "sender@example.org"
m["To"] = "user@example.test"
m["Subject"] = "forwarded-b64"
m.set_content("Forwarded.\n")
m.add_attachment(inner, maintype="message", subtype="rfc822")
case("rfc822-base64", None, """
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action reject
reason banned attachment: setup.exe (banned extension .exe)
""", extra=m.as_bytes(policy=SMTP))

# ---- real files from Debian's clamav-testfiles, when installed ----
CT = "/usr/share/clamav-testfiles"


def ct(name):
    with open(os.path.join(CT, name), "rb") as f:
        return f.read()


if os.path.isdir(CT):
    case("ct-exe-as-pdf", [("statement.pdf", "application/pdf", ct("clam.exe"))], """
hit WN_ATTACH_EXECUTABLE
hit WN_ATTACH_TYPE_MISMATCH
action reject
reason banned attachment: statement.pdf (Windows executable (PE))
""")
    case("ct-zip", [("clam.zip", "application/zip", ct("clam.zip"))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: clam.zip/clam.exe (banned extension .exe)
""")
    case("ct-impl-zip", [("clam.impl.zip", "application/zip", ct("clam.impl.zip"))], """
hit WN_ATTACH_IN_ARCHIVE
hit WN_ATTACH_UNCHECKED
action reject
reason banned attachment: clam.impl.zip/CLAM.EXE (banned extension .exe)
desc WN_ATTACH_UNCHECKED clam.impl.zip/CLAM.EXE: compression method 6
""")
    case("ct-tar-gz", [("clam.tar.gz", "application/gzip", ct("clam.tar.gz"))], """
hit WN_ATTACH_IN_ARCHIVE
action reject
reason banned attachment: clam.tar.gz/clam.tar/clam.exe (banned extension .exe)
""")
    case("ct-7z", [("clam.7z", OCT, ct("clam.7z"))], """
hit WN_ATTACH_UNCHECKED
desc WN_ATTACH_UNCHECKED clam.7z: 7z archive not opened
""")
    case("ct-cab", [("clam.cab", OCT, ct("clam.cab"))], """
hit WN_ATTACH_UNCHECKED
desc WN_ATTACH_UNCHECKED clam.cab: cab archive not opened
""")
    case("ct-ole-doc", [("clam.ole.doc", "application/msword", ct("clam.ole.doc"))], "")
    case("ct-pdf", [("clam.pdf", "application/pdf", ct("clam.pdf"))], "")

# ---- per-domain policies ----
with open(os.path.join(D, "policy.conf"), "w") as f:
    f.write("""# attachment policy per recipient domain
[strict.test]
ban = 7z rar          # archives we cannot open
encrypted_action = reject

[dev.test]
allow = exe js
[lax.test]
action = quarantine
[off.test]
check = no
""")
SEVENZ = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 64
POL = "policy policy.conf\n"
case("dom-strict-7z", [("archive.7z", OCT, SEVENZ)], POL + """
rcpt a@strict.test
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_UNCHECKED
action reject
reason banned attachment: archive.7z (banned extension .7z)
""")
case("dom-default-7z", [("archive.7z", OCT, SEVENZ)], POL + """
rcpt a@other.test
hit WN_ATTACH_UNCHECKED
""")
case("dom-dev-exe", [("tool.exe", OCT, pe_stub())], POL + """
rcpt dev@dev.test
rcpt DEV2@Dev.Test
""")
case("dom-dev-and-other", [("tool.exe", OCT, pe_stub())], POL + """
rcpt dev@dev.test
rcpt someone@other.test
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action reject
""")
case("dom-lax-sub", [("setup.exe", OCT, pe_stub())], POL + """
rcpt a@mx.lax.test
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action quarantine
reason banned attachment: setup.exe (banned extension .exe)
""")
case("dom-lax-strict", [("setup.exe", OCT, pe_stub())], POL + """
rcpt a@lax.test
rcpt b@strict.test
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action reject
""")
case("dom-off", [("setup.exe", OCT, pe_stub())], POL + """
rcpt a@off.test
""")
case("dom-strict-encrypted", [("secret.zip", "application/zip", encrypted_zip([("a.pdf", PDF)]))], POL + """
rcpt a@strict.test
hit WN_ATTACH_ENCRYPTED_ARCHIVE
action reject
reason encrypted archive: secret.zip
""")
case("cfg-quarantine", [("setup.exe", OCT, pe_stub())], """
set attach_action=quarantine
hit WN_ATTACH_BANNED_EXT
hit WN_ATTACH_EXECUTABLE
action quarantine
""")
case("cfg-allow-exe", [("setup.exe", OCT, pe_stub())], """
set attach_allowed_ext=exe
""")
case("cfg-no-script", [("notes.txt", "text/plain", SCRIPT)], """
set attach_banned_content=pe elf
hit WN_ATTACH_TYPE_MISMATCH
""")
case("cfg-off", [("setup.exe", OCT, pe_stub())], "set use_attach_policy=no\n")
