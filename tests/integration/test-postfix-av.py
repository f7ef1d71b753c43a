#!/usr/bin/python3
"""Driver of test-postfix-av.sh: real Postfix + real filterd + real
libclamav (and clamd), asserting what issue 6 names end to end.

  A. virus_action = reject: EICAR inline, base64, zipped, in an attached
     message (and clam.exe by hash) are refused 550 naming the signature;
     clean mail arrives with X-Virus-Scanned / X-Virus-Status: Clean, its
     body byte-identical, a forged X-Virus-Status removed. New signatures
     are picked up without a restart: written into clamav_db (as
     freshclam does) and, with the watcher off, on SIGHUP.
  B. virus_action = quarantine: the virus is accepted, not delivered,
     listed by `winnow quarantine`; `release` brings it to the Maildir
     with the stored bytes; spam_action = quarantine the same; the digest
     arrives for the recipient and its token releases; expiry empties it.
  C. bad input: zip bomb, deep nesting, truncated base64, a 50 MB
     attachment: bounded time and memory, the configured action.
  D. scanner failure (clamd down): tempfail by default, nothing queued;
     av_error_action = accept delivers with X-Virus-Status: Unscanned.
  E. a real clamd (antivirus = clamd): EICAR refused, clean delivered.
  F. attachment policy: a banned attachment is refused, or quarantined.
"""
import argparse
import email
import email.policy
import glob
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdalib  # noqa: E402  (PASS/FAIL counting shared with the other drivers)
from mdalib import ok, bad, check  # noqa: E402,F401


class Env:
    def __init__(self, a):
        self.a = a
        self.w = a.work
        self.maildir = os.path.join(self.w, "postfix/vmail/virt.test/bob")
        self.conf = os.path.join(self.w, "winnow.conf")
        self.av = os.path.join(self.w, "av")
        self.proc = None
        os.makedirs(os.path.join(self.w, "tmp"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""milter_listen = inet:{a.milter}@127.0.0.1
spamd_listen =
use_network = no
reject_score = 50
db_path = {self.w}/winnow.db
quarantine_dir = {self.w}/quarantine
quarantine_release_smtp = 127.0.0.1:{a.release}
quarantine_token_key = {self.w}/quarantine.key
quarantine_digest_from = postmaster@example.test
clamav_db = {self.av}/db
""")

    # --- filterd ---
    def start(self, *opts):
        self.stop()
        cmd = [self.a.filterd, "-f", "-c", self.conf]
        for o in opts:
            cmd += ["-o", o]
        env = dict(os.environ, TMPDIR=os.path.join(self.w, "tmp"))
        self.log = open(os.path.join(self.w, "filterd.log"), "ab")
        self.proc = subprocess.Popen(cmd, stderr=self.log, env=env)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.a.milter), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.dump_log()
        raise SystemExit("FAIL: filterd did not listen with " + " ".join(opts))

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)
            self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return -1

    def dump_log(self):
        try:
            sys.stdout.write(open(os.path.join(self.w, "filterd.log"), errors="replace").read()[-3000:])
        except OSError:
            pass

    # --- winnow ---
    def winnow(self, *args, check_rc=True):
        r = subprocess.run([self.a.winnow] + list(args[:2]) + ["-c", self.conf] + list(args[2:]),
                           capture_output=True, timeout=60)
        if check_rc and r.returncode != 0:
            print("# winnow %s: rc %d: %s" % (" ".join(args), r.returncode,
                                              r.stderr.decode(errors="replace")))
        return r

    def qlist(self):
        r = self.winnow("quarantine", "list", "--json")
        if r.returncode != 0:
            return []
        out = r.stdout.decode().strip()
        if not out:
            return []
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    # --- mail ---
    def send(self, data, rcpts=("bob@virt.test",), sender="alice@example.test", port=None):
        """(code, text) of the DATA reply, or of the first failure."""
        try:
            s = smtplib.SMTP("127.0.0.1", port or self.a.smtp, timeout=120)
            s.ehlo("client.example.test")
            s.sendmail(sender, list(rcpts), data)
            s.quit()
            return 250, ""
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error.decode(errors="replace")
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = list(e.recipients.values())[0]
            return code, msg.decode(errors="replace")

    def delivered(self, wait=10.0):
        """Paths of messages in bob's new/ after waiting for one."""
        end = time.time() + wait
        while time.time() < end:
            got = sorted(glob.glob(os.path.join(self.maildir, "new", "*")))
            if got:
                return got
            time.sleep(0.1)
        return []

    def clear_maildir(self):
        for p in glob.glob(os.path.join(self.maildir, "new", "*")):
            os.unlink(p)

    def queued(self):
        n = 0
        for d in ("incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(self.w, "postfix/spool", d)):
                n += len(files)
        return n


def fixture(env, name):
    with open(os.path.join(env.av, name + ".eml"), "rb") as f:
        return f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def plain(subject, body, extra=b""):
    return (b"From: Alice <alice@example.test>\r\nTo: bob@virt.test\r\n" + extra +
            b"Subject: " + subject + b"\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.replace(b" ", b"-") + b"@example.test>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body)


def headers_of(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def strip_prepended(data):
    """The delivered file minus the lines Postfix put on top: Return-Path,
    Delivered-To and its own Received field (with continuation lines)."""
    lines = data.split(b"\n")
    i = 0
    for name in (b"Return-Path:", b"X-Original-To:", b"Delivered-To:", b"Received:"):
        if i < len(lines) and lines[i].startswith(name):
            i += 1
            while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
                i += 1
    return b"\n".join(lines[i:])


def lf(b):
    return b.replace(b"\r\n", b"\n")


def add_signature(env, fname, name, marker):
    """A new body signature written the way freshclam replaces databases:
    a temporary file renamed into clamav_db."""
    tmp = os.path.join(env.av, "db", "." + fname + ".tmp")
    with open(tmp, "w") as f:
        f.write("%s:0:*:%s\n" % (name, marker.encode().hex()))
    os.rename(tmp, os.path.join(env.av, "db", fname))


# ---------------------------------------------------------------- A

def phase_reject(env):
    env.start("antivirus=clamav", "virus_action=reject", "clamav_reload_check=1",
              *ATTACH_OFF)
    cases = ["eicar-inline", "eicar-base64", "eicar-zip", "eicar-rfc822"]
    if os.path.exists(os.path.join(env.av, "clamexe.eml")):
        cases.append("clamexe")
    for name in cases:
        code, text = env.send(fixture(env, name))
        check(code == 550 and re.search(r"virus Test\.[A-Za-z]+-[HN]DB", text) is not None,
              "reject: %s refused 550 naming the virus (%d %s)" % (name, code, text))
    check(env.delivered(0.5) == [], "reject: no virus delivered")
    check(env.queued() == 0, "reject: nothing queued")

    msg = plain(b"clean one", b"Hello Bob,\r\n.dot line\r\nbye\r\n",
                b"X-Virus-Status: Clean (forged)\r\n")
    code, text = env.send(msg)
    check(code == 250, "clean: accepted (%d %s)" % (code, text))
    got = env.delivered()
    if check(len(got) == 1, "clean: delivered"):
        h = headers_of(got[0])
        st = h.get_all("X-Virus-Status") or []
        check(st == ["Clean"], "clean: one X-Virus-Status: Clean, the forged one gone (%s)" % st)
        sc = h.get("X-Virus-Scanned", "")
        check(re.match(r"Winnow \S+ with ClamAV \S+ \(libclamav\) on ", sc) is not None,
              "clean: X-Virus-Scanned names libclamav (%s)" % sc)
        data = open(got[0], "rb").read()
        check(data.split(b"\n\n", 1)[1] == lf(msg.split(b"\r\n\r\n", 1)[1]),
              "clean: body byte-identical")
        # the whole message as sent, after Postfix's lines and our headers
        check(lf(b"Subject: clean one\r\n") in data and
              b"X-Spam-Status: No" in data, "clean: headers kept, X-Spam-Status added")
    env.clear_maildir()

    # freshclam: a database replaced while filterd runs is picked up
    marker = "WINNOW-FRESHCLAM-MARKER-%d" % os.getpid()
    add_signature(env, "fresh.ndb", "Test.Fresh", marker)
    t0 = time.time()
    code = 0
    while time.time() - t0 < 10:
        code, text = env.send(plain(b"fresh", marker.encode() + b"\r\n"))
        if code == 550:
            break
        env.clear_maildir()
        time.sleep(0.5)
    check(code == 550 and "Test.Fresh" in text,
          "reload: a signature written into clamav_db is used without a restart "
          "(%.1f s, %d %s)" % (time.time() - t0, code, text))
    env.clear_maildir()
    env.stop()

    # SIGHUP, with the watcher off
    env.start("antivirus=clamav", "virus_action=reject", "clamav_reload_check=0", *ATTACH_OFF)
    marker = "WINNOW-SIGHUP-MARKER-%d" % os.getpid()
    add_signature(env, "hup.ndb", "Test.Hup", marker)
    time.sleep(1.2)
    code, _ = env.send(plain(b"hup before", marker.encode() + b"\r\n"))
    check(code == 250, "SIGHUP: before it, the new signature is not loaded (%d)" % code)
    env.clear_maildir()
    env.proc.send_signal(signal.SIGHUP)
    t0 = time.time()
    while time.time() - t0 < 10:
        code, text = env.send(plain(b"hup after", marker.encode() + b"\r\n"))
        if code == 550:
            break
        env.clear_maildir()
        time.sleep(0.3)
    check(code == 550 and "Test.Hup" in text, "SIGHUP: the new signature is used (%d %s)"
          % (code, text))
    env.clear_maildir()
    for f in ("fresh.ndb", "hup.ndb"):
        os.unlink(os.path.join(env.av, "db", f))
    env.stop()


# ---------------------------------------------------------------- B

def release_check(env, entry, sent, what):
    """Releases entry by id; the delivered file must hold the stored bytes."""
    raw = env.winnow("quarantine", "show", entry["id"], "--raw").stdout
    body_sent = lf(sent).split(b"\n\n", 1)[1]
    check(raw.split(b"\n\n", 1)[1] == body_sent and b"\r" not in raw,
          "%s: the stored body is the body as sent, LF line endings" % what)
    if os.environ.get("WN_DEBUG"):
        open(os.path.join(env.w, "..", "stored.eml"), "wb").write(raw)
        open(os.path.join(env.w, "..", "sent.eml"), "wb").write(sent)
    r = env.winnow("quarantine", "release", entry["id"])
    check(r.returncode == 0, "%s: release exits 0 (%s)" % (what, r.stderr.decode(errors="replace")))
    got = env.delivered()
    if check(len(got) == 1, "%s: released message delivered" % what):
        data = open(got[0], "rb").read()
        if os.environ.get("WN_DEBUG"):
            open(os.path.join(env.w, "..", "delivered.eml"), "wb").write(data)
        check(strip_prepended(data) == raw,
              "%s: delivered byte-identical to the stored message" % what)
    env.clear_maildir()


def phase_quarantine(env):
    shutil.rmtree(os.path.join(env.w, "quarantine"), ignore_errors=True)
    env.start("antivirus=clamav", "virus_action=quarantine", "spam_action=quarantine",
              "reject_score=0", *ATTACH_OFF)
    sent = fixture(env, "eicar-zip")
    code, text = env.send(sent)
    check(code == 250, "quarantine: virus accepted (%d %s)" % (code, text))
    check(env.delivered(1.0) == [], "quarantine: virus not delivered")
    check(env.queued() == 0, "quarantine: MTA kept no copy")
    entries = env.qlist()
    check(len(entries) == 1, "quarantine: one entry listed (%d)" % len(entries))
    if entries:
        e = entries[0]
        reason = str(e.get("reason", ""))
        check("virus" in reason and "Test.EICAR" in reason,
              "quarantine: reason names the virus (%s)" % reason)
        check("bob@virt.test" in json.dumps(e) and "alice@example.test" in json.dumps(e),
              "quarantine: envelope recorded")
        release_check(env, e, sent, "quarantine release")
        left = [x for x in env.qlist() if x["id"] == e["id"]]
        check(left == [], "quarantine: released entry no longer held")

    gtube = open(os.path.join(env.a.srcdir, "etc/samples/gtube.eml"), "rb").read()
    gtube = lf(gtube).replace(b"\n", b"\r\n")
    code, _ = env.send(gtube)
    check(code == 250, "spam_action=quarantine: GTUBE accepted")
    spam = [x for x in env.qlist() if str(x.get("reason", "")).startswith("spam")]
    check(len(spam) == 1 and float(spam[0].get("score", 0)) >= 5,
          "spam_action=quarantine: in Winnow's quarantine with its score")
    check(env.delivered(0.5) == [], "spam_action=quarantine: not delivered")

    # digest, then a token release
    for name in ("eicar-base64", "eicar-inline"):
        env.send(fixture(env, name))
    held = env.qlist()
    check(len(held) == 3, "digest: three entries held (%d)" % len(held))
    r = env.winnow("quarantine", "digest")
    check(r.returncode == 0, "digest: sent (%s)" % r.stderr.decode(errors="replace"))
    got = env.delivered()
    tokens = []
    if check(len(got) == 1, "digest: arrived in the recipient's Maildir"):
        m = headers_of(got[0])
        check(m.get_content_type() == "multipart/alternative",
              "digest: multipart/alternative (%s)" % m.get_content_type())
        types = [p.get_content_type() for p in m.walk() if not p.is_multipart()]
        check(types == ["text/plain", "text/html"], "digest: text and HTML parts (%s)" % types)
        text = m.get_payload()[0].get_payload(decode=True).decode("utf-8", "replace")
        tokens = re.findall(r"--token\s+([A-Za-z0-9_.-]{20,})", text)
        check(len(set(tokens)) == 3, "digest: a release token per entry (%d)" % len(set(tokens)))
    env.clear_maildir()
    if tokens:
        r = env.winnow("quarantine", "release", "--token", tokens[0])
        check(r.returncode == 0, "digest token: release exits 0 (%s)"
              % r.stderr.decode(errors="replace"))
        check(len(env.delivered()) == 1, "digest token: the message arrives")
        env.clear_maildir()
        check(len(env.qlist()) == 2, "digest token: two entries still held")
        forged = tokens[1][:-2] + ("AA" if not tokens[1].endswith("AA") else "BB")
        r = env.winnow("quarantine", "release", "--token", forged, check_rc=False)
        check(r.returncode != 0, "digest token: a forged token is refused")
    # quarantine_store = hold: the MTA keeps it, with our headers only
    env.stop()
    env.start("antivirus=clamav", "virus_action=quarantine", "quarantine_store=hold",
              *ATTACH_OFF)
    sent = fixture(env, "eicar-base64").replace(b"Subject:", b"X-Virus-Status: Clean\r\nSubject:", 1)
    code, _ = env.send(sent)
    held = []
    for _ in range(50):
        held = glob.glob(os.path.join(env.w, "postfix/spool/hold/**/*"), recursive=True)
        held = [f for f in held if os.path.isfile(f)]
        if held:
            break
        time.sleep(0.1)
    text = ""
    if held:
        r = subprocess.run(["postcat", "-c", os.path.join(env.w, "postfix/etc"), held[0]],
                           capture_output=True)
        text = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    if os.environ.get("WN_DEBUG"):
        print("# held:", held, os.listdir(os.path.join(env.w, "postfix/spool")))
        print(text[:3000])
    check(code == 250 and "X-Virus-Status: Infected (Test.EICAR" in text and
          "X-Virus-Status: Clean" not in text and "X-Virus-Scanned: Winnow" in text,
          "quarantine_store=hold: the virus waits in Postfix's hold queue with our "
          "X-Virus-* headers, the forged one gone")
    check(env.delivered(0.5) == [] and len(env.qlist()) == 2,
          "quarantine_store=hold: not delivered, not in Winnow's store")
    subprocess.run(["postsuper", "-c", os.path.join(env.w, "postfix/etc"), "-d", "ALL",
                    "hold"], capture_output=True)
    # expiry
    r = env.winnow("quarantine", "expire", "--days", "0")
    check(r.returncode == 0, "expire: exits 0")
    check(env.qlist() == [], "expire: nothing held afterwards")
    files = [f for f in glob.glob(os.path.join(env.w, "quarantine", "**"), recursive=True)
             if os.path.isfile(f)]
    check(files == [], "expire: the files are gone (%s)" % files[:3])
    env.stop()


# ---------------------------------------------------------------- C

def big_attachment(mb):
    import base64
    data = os.urandom(mb * 1024 * 1024)
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (b"From: alice@example.test\r\nTo: bob@virt.test\r\nSubject: big\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            b"--b\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--b--\r\n")


def under_asan(binary):
    r = subprocess.run(["ldd", binary], capture_output=True, text=True)
    return "libasan" in r.stdout


def phase_bad_input(env):
    env.start("antivirus=clamav", "virus_action=reject", *ATTACH_OFF)
    t0 = time.time()
    code, text = env.send(fixture(env, "zip-bomb"))
    dt = time.time() - t0
    held = env.qlist()
    check(code == 250 and any("limits" in str(x.get("reason", "")) for x in held) and dt < 20,
          "zip bomb: av_limit_action (quarantine by default) in %.1f s (%d %s)" % (dt, code, text))
    for name in ("deep-zip", "deep-rfc822", "trunc-mid", "trunc-after", "shallow-zip"):
        if not os.path.exists(os.path.join(env.av, name + ".eml")):
            continue
        t0 = time.time()
        code, text = env.send(fixture(env, name))
        dt = time.time() - t0
        check(code in (250, 550) and dt < 20 and env.alive(),
              "%s: answered %d in %.1f s, filterd alive (%s)" % (name, code, dt, text))
    env.clear_maildir()
    t0 = time.time()
    code, text = env.send(big_attachment(50))
    dt = time.time() - t0
    check(code == 550 and "not scanned for viruses" in text and dt < 60,
          "50 MB attachment: refused as unscannable in %.1f s (%d %s)" % (dt, code, text))
    rss = env.peak_rss_mb()
    if under_asan(env.a.filterd):
        # ASan's redzones and its quarantine of freed memory (256 MB)
        # make the figure meaningless; the plain build checks it
        print("# 50 MB attachment: peak memory %.0f MB under ASan, not checked" % rss)
    else:
        check(0 < rss < 200, "50 MB attachment: filterd's peak memory %.0f MB (< 200)" % rss)
    check(env.alive() and env.queued() == 0, "50 MB attachment: filterd alive, nothing queued")
    env.stop()
    env.start("antivirus=clamav", "av_limit_action=reject", *ATTACH_OFF)
    code, text = env.send(fixture(env, "zip-bomb"))
    check(code == 550 and "limits" in text, "zip bomb, av_limit_action=reject: 550 (%d %s)"
          % (code, text))
    env.stop()
    env.winnow("quarantine", "expire", "--days", "0")


# ---------------------------------------------------------------- D, E

def phase_clamd_down(env):
    sock = os.path.join(env.w, "no-clamd.sock")
    env.start("antivirus=clamd", "clamd_socket=unix:" + sock, "clamd_timeout_ms=2000",
              *ATTACH_OFF)
    code, text = env.send(plain(b"scanner down", b"hello\r\n"))
    check(code == 451 and "virus scan failed" in text,
          "clamd down: tempfail 451 by default (%d %s)" % (code, text))
    check(env.queued() == 0 and env.delivered(0.5) == [], "clamd down: nothing queued or delivered")
    env.stop()
    env.start("antivirus=clamd", "clamd_socket=unix:" + sock, "av_error_action=accept",
              *ATTACH_OFF)
    code, text = env.send(plain(b"scanner down accept", b"hello\r\n"))
    got = env.delivered() if code == 250 else []
    st = headers_of(got[0]).get("X-Virus-Status", "") if got else ""
    check(code == 250 and st.startswith("Unscanned ("),
          "clamd down, av_error_action=accept: delivered with X-Virus-Status: Unscanned (%s)" % st)
    env.clear_maildir()
    env.stop()


def phase_clamd(env):
    clamd = shutil.which("clamd") or "/usr/sbin/clamd"
    if not os.path.exists(clamd):
        print("# no clamd: phase E skipped")
        return
    d = os.path.join(env.w, "clamd")
    os.makedirs(d, exist_ok=True)
    sock = os.path.join(d, "clamd.sock")
    with open(os.path.join(d, "clamd.conf"), "w") as f:
        f.write("Foreground yes\nLocalSocket %s\nDatabaseDirectory %s/db\n"
                "TemporaryDirectory %s\nLogFile %s/clamd.log\n" % (sock, env.av, d, d))
    p = subprocess.Popen([clamd, "-c", os.path.join(d, "clamd.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(1)
                s.connect(sock)
                s.sendall(b"zPING\0")
                if s.recv(16) == b"PONG\0":
                    break
            except OSError:
                time.sleep(0.1)
        env.start("antivirus=clamd", "clamd_socket=unix:" + sock, *ATTACH_OFF)
        code, text = env.send(fixture(env, "eicar-zip"))
        check(code == 550 and "Test.EICAR" in text, "clamd: EICAR zipped refused (%d %s)"
              % (code, text))
        code, _ = env.send(plain(b"clean via clamd", b"hello\r\n"))
        got = env.delivered() if code == 250 else []
        h = headers_of(got[0]) if got else {}
        check(code == 250 and h.get("X-Virus-Status") == "Clean" and
              "(clamd)" in h.get("X-Virus-Scanned", ""),
              "clamd: clean mail delivered with X-Virus-Status: Clean")
        env.clear_maildir()
        env.stop()
    finally:
        p.terminate()
        p.wait(20)


# ---------------------------------------------------------------- F

def pe_attachment(name):
    import base64
    pe = b"MZ" + b"\x90" * 58 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200
    return (b"From: alice@example.test\r\nTo: bob@virt.test\r\nSubject: invoice\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nplease pay\r\n"
            b"--b\r\nContent-Type: application/pdf\r\n"
            b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(pe).replace(b"\n", b"\r\n") + b"--b--\r\n")


def phase_attach(env):
    env.start("antivirus=none")
    code, text = env.send(pe_attachment(b"invoice.pdf.exe"))
    check(code == 550 and "invoice.pdf.exe" in text,
          "attachment policy: a.pdf.exe refused naming the file (%d %s)" % (code, text))
    env.stop()
    env.start("antivirus=none", ATTACH_ACTION + "=quarantine")
    code, text = env.send(pe_attachment(b"invoice.pdf.exe"))
    held = env.qlist()
    check(code == 250 and any("invoice.pdf.exe" in str(x.get("reason", "")) for x in held),
          "attachment policy: quarantined with the file named (%d %s)" % (code, text))
    check(env.delivered(0.5) == [], "attachment policy: not delivered")
    env.stop()
    # per recipient domain: virt.test allows .exe, so bob gets it
    pol = os.path.join(env.w, "attach-policy.conf")
    with open(pol, "w") as f:
        f.write("# bob's domain takes executables\n[virt.test]\nallow = exe\n")
    env.start("antivirus=none", "attach_policy_file=" + pol)
    code, text = env.send(pe_attachment(b"setup.exe"))
    check(code == 250 and len(env.delivered()) == 1,
          "attachment policy file: [virt.test] allow = exe lets setup.exe through (%d %s)"
          % (code, text))
    env.clear_maildir()
    env.stop()
    env.start("antivirus=none")
    code, text = env.send(pe_attachment(b"setup.exe"))
    check(code == 550 and "setup.exe" in text,
          "attachment policy: without that file setup.exe is refused (%d %s)" % (code, text))
    env.stop()
    env.winnow("quarantine", "expire", "--days", "0")


ATTACH_OFF = ["use_attach_policy=no"]
ATTACH_ACTION = "attach_action"


def main():
    ap = argparse.ArgumentParser()
    for k in ("work", "filterd", "winnow", "srcdir"):
        ap.add_argument("--" + k, required=True)
    for k in ("smtp", "milter", "release"):
        ap.add_argument("--" + k, type=int, required=True)
    ap.add_argument("--only", default="ABCDEF")
    a = ap.parse_args()
    env = Env(a)
    phases = {"A": phase_reject, "B": phase_quarantine, "C": phase_bad_input,
              "D": phase_clamd_down, "E": phase_clamd, "F": phase_attach}
    try:
        for k in a.only:
            phases[k](env)
    finally:
        env.stop()
    if mdalib.FAIL:
        env.dump_log()
    mdalib.finish()


if __name__ == "__main__":
    main()
