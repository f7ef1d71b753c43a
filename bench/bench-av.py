#!/usr/bin/python3
"""Antivirus cost: filterd with libclamav in process against filterd
handing the message to clamd, against no antivirus, and against clamd
alone (issue 6, Speed).

Same messages, same run, alternating rounds, --clients connections at
a time, each message through the spamd protocol (HEADERS: the scan of
`spamc -c`'s CHECK, with the X-Virus-Status header sent back to count
what was found):
  filterd -o antivirus=clamav -o clamav_db=DB      libclamav in process
  filterd -o antivirus=clamd  -o clamd_socket=unix:A   clamd A (Debian's
                                                   clamav-daemon) scans
  filterd -o antivirus=none                        the baseline
  INSTREAM straight to clamd B                     the scan alone, what a
                                                   site running clamd pays
Two clamd, each with its own clamd.conf in a temp dir and the same
database and limits (those of filterd's av_max_* defaults): one engine
seeing each message once, as filterd's own engine does; a shared clamd
would answer the second request from its cache of clean files.
Bayes and network tests off, the stock ruleset on (rules_dir), so what
separates the lines is the scan.

Two sets of messages, measured apart (their sizes differ 300-fold):
the SpamAssassin corpus (easy-ham-1, spam-1: --limit of each) and an
attachment-heavy set made here from --seed (--attach messages: PDF-like
files with deflated streams, DOCX, zips of several files, PNG and
JPEG-like images, a quarter with several of those or a zip inside a zip,
100 KB to 5 MB per message, one in twelve carrying EICAR or Debian's
clam.exe, bare, zipped or zipped twice). --sets picks either set.

The signature database is SYNTHETIC (the real one cannot be downloaded
here): --hdb random MD5 signatures with sizes, --hsb SHA256, --ndb body
signatures (16-40 random bytes, some with wildcards or fixed offsets,
targets any and PE), plus EICAR and clam.exe's MD5 so detections
happen. --tiny loads only those two.

Reports messages/s, p50/p99 ms per message, CPU seconds of the daemons
(filterd plus its clamd for the clamd line), MB/s on the attachment
set, what each found; RSS of filterd without and with the engine and
of clamd; the engine's load time (filterd's "clamav: loaded" log line,
clamd's time to PONG). --by-kind then sends the attachment set one
message at a time to a fresh clamd, by kind of attachment. --leak N
sends N more messages to the in-process filterd, then to the baseline,
and prints their RSS along the way (--leak-set corpus: corpus only;
make --limit large so that most are different messages).
Needs root (or read access to the corpus), clamd (clamav-daemon) and
clamav-testfiles. Not a test: run it by hand from the build dir and copy
the tables to RESULTS.md:
  /usr/bin/python3 /work/main/bench/bench-av.py --filterd ./filterd/filterd
"""
import argparse
import hashlib
import io
import math
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import corpus_files, free_port  # noqa: E402

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
         b"$H+H*")
CLAM_EXE = '/usr/share/clamav-testfiles/clam.exe'
WORDS = ('invoice report quarterly figures attached please find the meeting notes '
         'budget review project schedule contract draft signed customer order '
         'shipment delivery payment terms update version final summary table '
         'appendix section results analysis market sales revenue plan team').split()

# ---- the synthetic signature database ----


def log_uniform(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def body_sig(rng, i):
    """One .ndb line: Name:Target:Offset:HexSig. Mostly plain patterns at
    any offset; a few with a byte wildcard, a gap or a fixed offset, as
    the real database has."""
    target = 1 if rng.random() < 0.2 else 0
    n = rng.randint(16, 40)
    hexs = rng.randbytes(n).hex()
    k = rng.random()
    half = n // 2 * 2
    if k < 0.10:
        hexs = hexs[:half] + '??' + hexs[half + 2:]
    elif k < 0.15:
        hexs = hexs[:half] + '{0-8}' + hexs[half:]
    elif k < 0.17:
        hexs = hexs[:half] + '*' + hexs[half:]
    off = '*'
    r = rng.random()
    if r < 0.05:
        off = '0'
    elif r < 0.08:
        off = 'EOF-%d' % (n + rng.randint(0, 512))
    elif r < 0.12 and target == 1:
        off = 'EP+0,%d' % rng.randint(16, 256)
    return 'Synth.Body.%s-%d:%d:%s:%s\n' % ('PE' if target else 'Any', i, target, off, hexs)


def make_db(d, seed, n_hdb, n_hsb, n_ndb):
    """Writes the database into d; returns the signature count."""
    os.makedirs(d, exist_ok=True)
    # not the messages' sequence: the same seed would put the "random"
    # signatures into the "random" attachments
    rng = random.Random('signatures %d' % seed)
    exe = open(CLAM_EXE, 'rb').read()
    with open(os.path.join(d, 'synth.hdb'), 'w') as f:
        f.write('%s:%d:Bench.ClamExe-HDB\n' % (hashlib.md5(exe).hexdigest(), len(exe)))
        f.writelines('%s:%d:Synth.Hash.MD5-%d\n'
                     % (rng.randbytes(16).hex(), log_uniform(rng, 1024, 20 << 20), i)
                     for i in range(n_hdb))
    if n_hsb:
        with open(os.path.join(d, 'synth.hsb'), 'w') as f:
            f.writelines('%s:%d:Synth.Hash.SHA256-%d\n'
                         % (rng.randbytes(32).hex(), log_uniform(rng, 1024, 20 << 20), i)
                         for i in range(n_hsb))
    with open(os.path.join(d, 'synth.ndb'), 'w') as f:
        f.write('Bench.EICAR-NDB:0:*:%s\n' % EICAR.hex())
        f.writelines(body_sig(rng, i) for i in range(n_ndb))
    return 2 + n_hdb + n_hsb + n_ndb

# ---- the attachment-heavy messages ----


def text(rng, nbytes):
    out, n = [], 0
    while n < nbytes:
        line = ' '.join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + '.\n'
        out.append(line)
        n += len(line)
    return ''.join(out)


def png(rng, nbytes):
    """A valid RGB PNG of about nbytes: noisy rows (photo-like, they do
    not compress) and flat ones."""
    w = 512
    h = max(8, nbytes // (w * 3))
    rows = []
    for y in range(h):
        rows.append(b'\0' + (rng.randbytes(w * 3) if y % 4 else bytes([y % 256]) * (w * 3)))
    raw = zlib.compress(b''.join(rows), 6)

    def chunk(t, data):
        c = t + data
        return struct.pack('>I', len(data)) + c + struct.pack('>I', zlib.crc32(c))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', raw) + chunk(b'IEND', b''))


def jpeg_like(rng, nbytes):
    """JFIF header and a frame header, then entropy-coded-looking bytes
    (no 0xFF inside) and EOI: a JPEG as far as type detection goes."""
    app0 = b'\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
    sof = b'\xff\xc0\x00\x11\x08\x04\x00\x03\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01'
    sos = b'\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00'
    body = rng.randbytes(nbytes).replace(b'\xff', b'\xfe')
    return b'\xff\xd8' + app0 + sof + sos + body + b'\xff\xd9'


def pdf_like(rng, nbytes):
    """A PDF with a catalog, a page, a deflated text stream and image
    XObjects (random bytes as DCTDecode) up to nbytes, and a real xref."""
    objs = [b'<< /Type /Catalog /Pages 2 0 R >>',
            b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
            b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>']
    content = zlib.compress(('BT /F1 10 Tf 72 720 Td (%s) Tj ET\n'
                             % text(rng, 2000).replace('\n', ') Tj T* (')).encode() * 8)
    objs.append(b'<< /Length %d /Filter /FlateDecode >>\nstream\n' % len(content)
                + content + b'\nendstream')
    left = nbytes - len(content)
    while left > 0:
        n = min(left, log_uniform(rng, 20000, 800000))
        img = rng.randbytes(n)
        objs.append(b'<< /Type /XObject /Subtype /Image /Width 640 /Height 480 '
                    b'/BitsPerComponent 8 /ColorSpace /DeviceRGB /Filter /DCTDecode '
                    b'/Length %d >>\nstream\n' % n + img + b'\nendstream')
        left -= n
    out = bytearray(b'%PDF-1.5\n%\xe2\xe3\xcf\xd3\n')
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b'%d 0 obj\n' % (i + 1) + o + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
    out += b''.join(b'%010d 00000 n \n' % o for o in offs)
    out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objs) + 1, xref)
    return bytes(out)


def zip_of(members):
    z = io.BytesIO()
    with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return z.getvalue()


def docx(rng, nbytes):
    paras = ''.join('<w:p><w:r><w:t>%s</w:t></w:r></w:p>' % p
                    for p in text(rng, min(nbytes, 200000)).split('\n') if p)
    return zip_of([
        ('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
         'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
         'ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats'
         '-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        ('_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
         'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
         '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="word/document.xml"/></Relationships>'),
        ('word/document.xml', '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://'
         'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body>'
         '</w:document>' % paras),
        ('word/media/image1.png', png(rng, max(10000, nbytes - 30000))),
    ])


def make_file(rng, kind, nbytes):
    """(filename, maintype, subtype, data) of one attachment."""
    if kind == 'pdf':
        return 'report.pdf', 'application', 'pdf', pdf_like(rng, nbytes)
    if kind == 'docx':
        return ('minutes.docx', 'application',
                'vnd.openxmlformats-officedocument.wordprocessingml.document', docx(rng, nbytes))
    if kind == 'png':
        return 'photo.png', 'image', 'png', png(rng, nbytes)
    if kind == 'jpeg':
        return 'scan.jpg', 'image', 'jpeg', jpeg_like(rng, nbytes)
    if kind == 'zip':
        k = rng.randint(3, 6)
        members = [('notes.txt', text(rng, 5000)), ('data.csv', text(rng, 20000))]
        members += [('file%d.bin' % i, rng.randbytes(nbytes // k)) for i in range(k - 3)]
        members.append(('chart.png', png(rng, nbytes // k)))
        return 'files.zip', 'application', 'zip', zip_of(members)
    if kind == 'nested':
        inner = zip_of([('q3.pdf', pdf_like(rng, nbytes // 2)),
                        ('plan.docx', docx(rng, nbytes // 2))])
        return 'archive.zip', 'application', 'zip', zip_of([('inner.zip', inner),
                                                            ('readme.txt', text(rng, 2000))])
    raise ValueError(kind)


INFECTIONS = ('eicar', 'eicar-zip', 'eicar-nested', 'clamexe', 'clamexe-zip')


def infected_file(rng, how, nbytes):
    exe = open(CLAM_EXE, 'rb').read()
    if how == 'eicar':
        return 'eicar.com', 'application', 'octet-stream', EICAR
    if how == 'clamexe':
        return 'setup.exe', 'application', 'octet-stream', exe
    payload = ('eicar.com', EICAR) if how.startswith('eicar') else ('update.exe', exe)
    # the virus after a big clean member, so the scan goes through it first
    z = zip_of([('big.pdf', pdf_like(rng, nbytes)), payload])
    if how == 'eicar-nested':
        z = zip_of([('docs.zip', z), ('readme.txt', text(rng, 1000))])
    return 'documents.zip', 'application', 'zip', z


def make_message(rng, i):
    """The i-th attachment-heavy message: (bytes, expected virus or None)."""
    m = EmailMessage()
    m['From'] = 'Sender %d <sender%d@example.test>' % (i, i % 37)
    m['To'] = 'rcpt@example.test'
    m['Subject'] = 'Documents %d' % i
    m['Date'] = 'Tue, 01 Dec 2026 10:%02d:%02d +0000' % (i // 60 % 60, i % 60)
    m['Message-ID'] = '<bench-av-%d@example.test>' % i
    m.set_content('Hello,\n\n' + text(rng, 800) + '\nRegards\n')
    total = log_uniform(rng, 100 << 10, 5 << 20)
    kinds = ['pdf', 'docx', 'zip', 'png', 'jpeg', 'nested']
    virus = None
    if i % 12 == 5:
        virus = INFECTIONS[(i // 12) % len(INFECTIONS)]
        parts = [infected_file(rng, virus, total)]
        kind = 'virus'
    elif i % 4 == 3:  # several attachments of mixed kinds
        k = rng.randint(2, 4)
        parts = [make_file(rng, rng.choice(kinds), total // k) for _ in range(k)]
        kind = 'mixed'
    else:
        # i % 6 == 5 always falls on a virus or a mixed message above, so
        # 'nested' only comes inside mixed ones; left so, since changing
        # it would change the set RESULTS.md reports on
        kind = kinds[i % len(kinds)]
        parts = [make_file(rng, kind, total)]
    for name, maint, sub, data in parts:
        m.add_attachment(data, maintype=maint, subtype=sub, filename=name)
    return m.as_bytes(), virus, kind


def make_messages(d, seed, n):
    os.makedirs(d, exist_ok=True)
    rng = random.Random('messages %d' % seed)
    files, viruses = [], {}
    for i in range(n):
        data, virus, kind = make_message(rng, i)
        p = os.path.join(d, 'att-%04d-%s.eml' % (i, kind))
        with open(p, 'wb') as f:
            f.write(data)
        files.append(p)
        viruses[p] = virus
    return files, viruses

# ---- processes ----


def rss_kb(pid, field='VmRSS'):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open('/proc/%d/stat' % pid) as f:
        s = f.read()
    fields = s[s.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def unix_request(path, data, timeout=60):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(data)
        return recv_all(s)
    finally:
        s.close()


def recv_all(s):
    out = []
    while True:
        b = s.recv(65536)
        if not b:
            return b''.join(out)
        out.append(b)


class Clamd:
    """A private clamd in the foreground on a unix socket in d."""

    def __init__(self, d, name, db):
        self.name = name
        self.sock = os.path.join(d, name + '.sock')
        conf = os.path.join(d, name + '.conf')
        with open(conf, 'w') as f:
            # the limits are filterd's av_max_* defaults (lib/limits.h), and
            # AlertExceedsMax as filterd asks libclamav for it
            f.write('Foreground yes\nLocalSocket %s\nDatabaseDirectory %s\n'
                    'TemporaryDirectory %s\nLogFile %s\nMaxThreads 8\n'
                    'StreamMaxLength 25M\nMaxFileSize 25M\nMaxScanSize 100M\n'
                    'MaxRecursion 16\nMaxFiles 1000\nMaxScanTime 30000\n'
                    'AlertExceedsMax yes\nSelfCheck 0\n'
                    % (self.sock, db, d, os.path.join(d, name + '.log')))
        self.t0 = time.time()
        self.proc = subprocess.Popen(['clamd', '-c', conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.load_s = None

    def wait(self, timeout=600):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                sys.exit('bench: %s exited (%d), see its log' % (self.name, self.proc.returncode))
            try:
                if unix_request(self.sock, b'zPING\0', 2) == b'PONG\0':
                    self.load_s = time.time() - self.t0
                    return
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit('bench: %s did not answer PING' % self.name)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def spamd_ask(port, data, verb=b'HEADERS'):
    s = socket.create_connection(('127.0.0.1', port), timeout=120)
    try:
        s.sendall(b'%s SPAMC/1.5\r\nContent-length: %d\r\nUser: bench\r\n\r\n'
                  % (verb, len(data)) + data)
        s.shutdown(socket.SHUT_WR)
        return recv_all(s)
    finally:
        s.close()


class Target:
    """Something messages are sent to, one at a time per client; its
    times, CPU and findings are summed over the rounds it served."""

    def __init__(self, name):
        self.name = name
        self.times, self.wall, self.cpu = [], 0.0, 0.0
        self.found = {}
        self.pids = []
        self.salt = None  # a number: each message gets its own first header

    def cpu_now(self):
        return sum(cpu_s(p) for p in self.pids)

    def serve(self, files, clients):
        queue = list(files)
        lock = threading.Lock()
        times = []

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    f = queue.pop()
                data = open(f, 'rb').read()
                if self.salt is not None:
                    with lock:
                        self.salt += 1
                        data = b'X-Bench-Seq: %d\n' % self.salt + data
                t0 = time.perf_counter()
                status = self.scan(data)
                dt = time.perf_counter() - t0
                with lock:
                    times.append(dt)
                    self.found[f] = status
        c0 = self.cpu_now()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.wall += time.perf_counter() - t0
        self.cpu += self.cpu_now() - c0
        self.times += times

    def reset(self):
        self.times, self.wall, self.cpu, self.found = [], 0.0, 0.0, {}


class Filterd(Target):
    def __init__(self, name, binary, tmp, port, extra):
        super().__init__(name)
        self.port = port
        self.err = os.path.join(tmp, name.replace(' ', '_') + '.stderr')
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            [binary, '-f', '-o', 'milter_listen=', '-o', 'spamd_listen=127.0.0.1:%d' % port,
             '-o', 'use_bayes=no', '-o', 'use_network=no',
             '-o', 'db_path=' + os.path.join(tmp, name.replace(' ', '_') + '.db'),
             '-o', 'quarantine_dir=' + os.path.join(tmp, 'quarantine')] + extra,
            stdout=subprocess.DEVNULL, stderr=open(self.err, 'w'))
        self.pids = [self.proc.pid]
        self.ready_s = None

    def wait(self, timeout=600):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                sys.exit('bench: %s exited (%d): %s' % (self.name, self.proc.returncode,
                                                         open(self.err).read()[-2000:]))
            try:
                if b'PONG' in spamd_ask(self.port, b'', b'PING'):
                    self.ready_s = time.time() - self.t0
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit('bench: %s did not answer PING' % self.name)

    def load_line(self):
        m = re.search(r'clamav: loaded (\d+) signatures .* in (\d+) ms', open(self.err).read())
        return (int(m.group(1)), int(m.group(2))) if m else None

    def scan(self, data):
        r = spamd_ask(self.port, data)
        if not r.startswith(b'SPAMD/1.1 0'):
            return 'error: ' + r.split(b'\r\n', 1)[0].decode(errors='replace')
        m = re.search(rb'\nX-Virus-Status: ([^\r\n]*)', r)
        return m.group(1).decode() if m else 'none'

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Instream(Target):
    """INSTREAM straight to a clamd: the scan and nothing else."""

    def __init__(self, name, clamd):
        super().__init__(name)
        self.clamd = clamd
        self.pids = [clamd.pid]

    def scan(self, data):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(120)
        try:
            s.connect(self.clamd.sock)
            s.sendall(b'zINSTREAM\0')
            for i in range(0, len(data), 1 << 20):
                c = data[i:i + (1 << 20)]
                s.sendall(struct.pack('>I', len(c)) + c)
            s.sendall(b'\0\0\0\0')
            r = recv_all(s).rstrip(b'\0').decode(errors='replace')
        finally:
            s.close()
        if r.endswith(' FOUND'):
            return 'Infected (%s)' % r[len('stream: '):-len(' FOUND')]
        return 'Clean' if r == 'stream: OK' else 'error: ' + r

# ---- the run ----


def cpu_model():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return '?'


def load_avg():
    return ' '.join(open('/proc/loadavg').read().split()[:3])


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else 0.0


def summarize(found):
    infected = sum(1 for s in found.values() if s.startswith('Infected'))
    errors = sum(1 for s in found.values() if not s.startswith(('Infected', 'Clean', 'none')))
    return infected, errors


def compare(targets, files, rounds, clients):
    for t in targets:
        t.reset()
    step = (len(files) + rounds - 1) // rounds
    for r in range(rounds):
        chunk = files[r * step:(r + 1) * step]
        k = r % len(targets)
        for t in targets[k:] + targets[:k]:  # each target goes first in turn
            t.serve(chunk, clients)


def table(title, targets, files, mbytes, base):
    n = len(files)
    print('\n%s: %d messages, %.1f MB' % (title, n, mbytes))
    print('| scanner | msgs/s | MB/s | p50 ms | p99 ms | CPU s per msg (filterd + its clamd) '
          '| CPU ms per msg over no AV | infected found | errors |')
    print('|---|---|---|---|---|---|---|---|---|')
    for t in targets:
        inf, err = summarize(t.found)
        over = ('%.1f' % ((t.cpu - base.cpu) / n * 1000)) if t is not base and \
            isinstance(t, Filterd) else '-'
        print('| %s | %.1f | %.1f | %.1f | %.1f | %.4f | %s | %d | %d |'
              % (t.name, n / t.wall, mbytes / t.wall, pct(t.times, 0.5) * 1000,
                 pct(t.times, 0.99) * 1000, t.cpu / n, over, inf, err))


def check_found(targets, viruses):
    """Every scanner must find exactly the planted viruses."""
    want = {f for f, v in viruses.items() if v}
    for t in targets:
        got = {f for f, s in t.found.items() if s.startswith('Infected')}
        if t.name.startswith('filterd, no AV'):
            continue
        if got != want:
            print('WARNING: %s found %d, planted %d; missed %s, extra %s'
                  % (t.name, len(got), len(want), sorted(want - got)[:5], sorted(got - want)[:5]))
        bad = {f: s for f, s in t.found.items() if s.startswith('error')}
        if bad:
            print('WARNING: %s errors: %s' % (t.name, list(bad.items())[:3]))


def by_kind(t, files):
    """One message at a time to t: the scan cost by kind of attachment."""
    kinds = {}
    for f in files:
        kinds.setdefault(f.rsplit('-', 1)[1][:-4], []).append(f)
    print('\nby kind, one message at a time through "%s":' % t.name)
    print('| kind | messages | MB per message | ms per message | MB/s |')
    print('|---|---|---|---|---|')
    for k in sorted(kinds):
        t.reset()
        t.serve(kinds[k], 1)
        mb = sum(os.path.getsize(f) for f in kinds[k]) / 1e6
        print('| %s | %d | %.2f | %.0f | %.1f |' % (k, len(kinds[k]), mb / len(kinds[k]),
                                                  t.wall / len(kinds[k]) * 1000, mb / t.wall))


def leak_check(fd, files, n, clients):
    print('\nleak check: %d messages to "%s", %d clients' % (n, fd.name, clients))
    print('| messages sent | RSS MB | peak RSS MB |')
    print('|---|---|---|')
    sent = 0
    step = max(1, n // 8)
    # a header of its own on every message: libclamav's cache of clean
    # files would otherwise answer the second round from memory (the
    # attachments inside still come from that cache, as they would when
    # one attachment goes to many recipients)
    fd.salt = 0
    print('| %d | %.1f | %.1f |' % (sent, rss_kb(fd.proc.pid) / 1024,
                                    rss_kb(fd.proc.pid, 'VmHWM') / 1024))
    while sent < n:
        batch = [files[(sent + i) % len(files)] for i in range(min(step, n - sent))]
        fd.serve(batch, clients)
        sent += len(batch)
        print('| %d | %.1f | %.1f |' % (sent, rss_kb(fd.proc.pid) / 1024,
                                        rss_kb(fd.proc.pid, 'VmHWM') / 1024), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--filterd', default='./filterd/filterd')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--limit', type=int, default=300, help='corpus messages per folder')
    ap.add_argument('--attach', type=int, default=120, help='attachment-heavy messages')
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    ap.add_argument('--rounds', type=int, default=8)
    ap.add_argument('--clients', type=int, default=4)
    ap.add_argument('--seed', type=int, default=6)
    ap.add_argument('--hdb', type=int, default=1000000)
    ap.add_argument('--hsb', type=int, default=100000)
    ap.add_argument('--ndb', type=int, default=50000)
    ap.add_argument('--tiny', action='store_true', help='EICAR and clam.exe only')
    ap.add_argument('--leak', type=int, default=0, help='messages for the leak check')
    ap.add_argument('--sets', default='corpus,attach', help='corpus, attach or both')
    ap.add_argument('--by-kind', action='store_true',
                    help='then the attachment set by kind, one at a time, clamd alone')
    ap.add_argument('--leak-set', default='all',
                    help='all (corpus and attachment set, in turn) or corpus')
    ap.add_argument('--workdir', help='keep the database and messages here (reused)')
    a = ap.parse_args()
    if a.tiny:
        a.hdb = a.hsb = a.ndb = 0

    tmp = tempfile.mkdtemp(prefix='bench-av.')
    work = a.workdir or tmp
    db = os.path.join(work, 'db2-%d-%d-%d-%d' % (a.seed, a.hdb, a.hsb, a.ndb))
    t0 = time.time()
    if not os.path.isdir(db):
        make_db(db + '.new', a.seed, a.hdb, a.hsb, a.ndb)
        os.rename(db + '.new', db)
    nsigs = 2 + a.hdb + a.hsb + a.ndb
    dbmb = sum(os.path.getsize(os.path.join(db, f)) for f in os.listdir(db)) / 1e6
    att_dir = os.path.join(work, 'att3-%d-%d' % (a.seed, a.attach))
    if os.path.isdir(att_dir):
        att = sorted(os.path.join(att_dir, f) for f in os.listdir(att_dir))
        viruses = {}
        for i, f in enumerate(att):  # the plan, without making the bytes again
            viruses[f] = INFECTIONS[(i // 12) % len(INFECTIONS)] if i % 12 == 5 else None
    else:
        att, viruses = make_messages(att_dir + '.new', a.seed, a.attach)
        os.rename(att_dir + '.new', att_dir)
        att = [f.replace(att_dir + '.new', att_dir) for f in att]
        viruses = {f.replace(att_dir + '.new', att_dir): v for f, v in viruses.items()}
    print('made the database (%d signatures, %.0f MB) and %d messages in %.0f s'
          % (nsigs, dbmb, len(att), time.time() - t0), flush=True)
    corpus = corpus_files(a.corpus, a.folders.split(','), a.limit)
    warm_c = [f for f in corpus_files(a.corpus, a.folders.split(','), a.limit + 10)
              if f not in set(corpus)]
    rng = random.Random(a.seed)
    rng.shuffle(corpus)

    print('machine: %s, %d CPUs, %s; %s; load average %s'
          % (cpu_model(), os.cpu_count(), os.uname().release,
             subprocess.run(['clamd', '--version'], capture_output=True,
                            text=True).stdout.strip(), load_avg()))
    print('command: %s' % ' '.join(sys.argv), flush=True)
    # one after the other, so that each load time is its own
    ca = Clamd(tmp, 'clamd-A', db)   # behind filterd
    ca.wait()
    cb = Clamd(tmp, 'clamd-B', db)   # INSTREAM alone
    cb.wait()
    common = ['-o', 'rules_dir=' + a.rules]
    none = Filterd('filterd, no AV', a.filterd, tmp, free_port(), common + ['-o', 'antivirus=none'])
    none.wait()
    none_rss = rss_kb(none.proc.pid)
    inproc = Filterd('filterd + libclamav in process', a.filterd, tmp, free_port(),
                     common + ['-o', 'antivirus=clamav', '-o', 'clamav_db=' + db,
                               '-o', 'virus_action=header'])
    inproc.wait()
    inproc_rss = rss_kb(inproc.proc.pid)
    viaclamd = Filterd('filterd + clamd (INSTREAM)', a.filterd, tmp, free_port(),
                       common + ['-o', 'antivirus=clamd', '-o', 'clamd_socket=unix:' + ca.sock,
                                 '-o', 'virus_action=header'])
    viaclamd.wait()
    viaclamd_rss = rss_kb(viaclamd.proc.pid)
    viaclamd.pids.append(ca.pid)
    alone = Instream('clamd alone (INSTREAM)', cb)
    targets = [inproc, viaclamd, none, alone]
    loaded = inproc.load_line()
    clamd_rss0 = rss_kb(ca.pid)
    try:
        # warm-up: first-use costs, not measured; corpus messages outside
        # the measured ones, since libclamav remembers clean files (by MD5)
        # and would answer a message it saw again from that cache
        for t in targets:
            t.serve(warm_c, a.clients)
        att_mb = sum(os.path.getsize(f) for f in att) / 1e6
        cor_mb = sum(os.path.getsize(f) for f in corpus) / 1e6
        if 'corpus' in a.sets:
            compare(targets, corpus, a.rounds, a.clients)
            table('corpus (%s, first %d of each)' % (a.folders, a.limit), targets, corpus,
                  cor_mb, none)
            check_found(targets, {f: None for f in corpus})
        if 'attach' in a.sets:
            compare(targets, att, a.rounds, a.clients)
            table('attachment-heavy set (seed %d)' % a.seed, targets, att, att_mb, none)
            check_found(targets, viruses)
        print('\nclients %d, rounds %d, database: %s (%d signatures: %d MD5, %d SHA256, '
              '%d body + EICAR + clam.exe; %.0f MB of files)'
              % (a.clients, a.rounds, 'tiny' if a.tiny else 'synthetic', nsigs, a.hdb, a.hsb,
                 a.ndb, dbmb))
        print('\n| process | RSS after start MB | RSS after the run MB | peak MB | '
              'ready after s | engine load |')
        print('|---|---|---|---|---|---|')
        print('| filterd, no AV | %.1f | %.1f | %.1f | %.2f | - |'
              % (none_rss / 1024, rss_kb(none.proc.pid) / 1024,
                 rss_kb(none.proc.pid, 'VmHWM') / 1024, none.ready_s))
        print('| filterd + libclamav | %.1f | %.1f | %.1f | %.2f | %s |'
              % (inproc_rss / 1024, rss_kb(inproc.proc.pid) / 1024,
                 rss_kb(inproc.proc.pid, 'VmHWM') / 1024, inproc.ready_s,
                 '%d sigs in %d ms (log)' % loaded if loaded else 'no log line'))
        print('| filterd + clamd (filterd only) | %.1f | %.1f | %.1f | %.2f | - |'
              % (viaclamd_rss / 1024, rss_kb(viaclamd.proc.pid) / 1024,
                 rss_kb(viaclamd.proc.pid, 'VmHWM') / 1024, viaclamd.ready_s))
        for c, r0 in ((ca, clamd_rss0), (cb, None)):
            print('| %s | %s | %.1f | %.1f | %.2f | to PONG |'
                  % (c.name, '%.1f' % (r0 / 1024) if r0 else '-', rss_kb(c.pid) / 1024,
                     rss_kb(c.pid, 'VmHWM') / 1024, c.load_s))
        print('load average at the end: %s' % load_avg())
        if a.by_kind:
            # a clamd that has seen none of them (see the cache above)
            cc = Clamd(tmp, 'clamd-C', db)
            cc.wait()
            try:
                by_kind(Instream('a fresh clamd, INSTREAM', cc), att)
            finally:
                cc.stop()
        if a.leak:
            # the baseline too: what filterd's own memory does meanwhile
            for t in (inproc, none):
                leak_check(t, corpus + (att if a.leak_set == 'all' else []), a.leak,
                           a.clients)
    finally:
        for t in (inproc, viaclamd, none):
            t.stop()
        for c in (ca, cb):
            c.stop()
        shutil.rmtree(tmp)


if __name__ == '__main__':
    main()
