#!/usr/bin/python3
"""Driver of test-mda-postfix.sh: a real Postfix delivers through local(8)
with mailbox_command = winnow-mda (run by Postfix as the recipient), and a
real Dovecot reads the result over IMAP.

Three local users made for the test:
  U1, no script: the default policy. A ham lands in INBOX, a spam with
      X-Spam-Flag: YES in Junk.
  U2, ~/.winnow.sieve filing by header (List-Id), address (:domain of
      From), subaddress (envelope :detail of u2+shop@) and setting flags
      with imap4flags (addflag + fileinto, fileinto :flags with a
      keyword, setflag + keep), folders made with :create (one nested:
      Lists/dev).
  U3, ~/.procmailrc doing the same filing (a 'c' copy recipe too).
Over IMAP (Python imaplib against the private Dovecot): LIST shows the
folders; each message is found exactly where expected (and nowhere
else); FETCH FLAGS shows the imap4flags flags; the body is byte for byte
the body sent (a line starting with '.', one with 'From ', 8-bit text).
Then, for U1, an INBOX made read-only: Postfix must keep the message in
its queue (deferred, not bounced); once writable again, `postqueue -f`
delivers it. Last, a Sieve script with a syntax error: the mail still
arrives in INBOX.
"""
import argparse
import imaplib
import os
import pwd
import re
import subprocess
import time

import mdalib
from mdalib import check

SIEVE = r'''require ["fileinto", "imap4flags", "subaddress", "envelope", "mailbox"];
# issue 7 end-to-end test script
if header :contains "List-Id" "<dev.lists.example.test>" {
  fileinto :create "Lists/dev";
} elsif address :domain :is "from" "boss.example.test" {
  addflag "\\Flagged";
  fileinto :create "Work";
} elsif envelope :detail "to" "shop" {
  fileinto :create :flags "\\Seen $Shopping" "Shopping";
} elsif header :is "X-Spam-Flag" "YES" {
  fileinto :create "Junk";
} elsif header :contains "Subject" "flag me" {
  setflag ["\\Seen", "\\Answered"];
  keep;
}
'''

PROCMAILRC = r'''# issue 7 end-to-end test procmailrc
MAILDIR=$HOME/Maildir/
DEFAULT=$MAILDIR

:0 c
* ^Subject:.*archive
.Archive/

:0
* ^List-Id:.*<dev\.lists\.example\.test>
.Lists.dev/

:0
* ^From:.*@boss\.example\.test
.Work/

:0
* ^To:.*\+shop@
.Shopping/

:0
* ^X-Spam-Flag: YES
.Junk/
'''


class T:
    def __init__(self, a):
        self.a = a
        self.users = a.users.split(",")
        self.pw = [pwd.getpwnam(u) for u in self.users]
        self.etc = os.path.join(a.work, "postfix/etc")
        self.maillog = os.path.join(a.work, "postfix/maillog")
        self.sent = {}  # mid -> bytes
        self.n = 0

    def msg(self, user, subject, rcpt=None, sender="alice@example.test",
            headers=(), frm=None):
        self.n += 1
        mid = f"pf-{self.n}-{user}@e2e.example.test"
        to = rcpt or f"{user}@mx.example.test"
        data = mdalib.make_msg(mid, subject=subject, sender=frm or sender, to=to,
                               headers=headers)
        return mid, to, sender, data

    def send(self, mid, to, sender, data):
        """Sends with swaks, as the issue asks (the message as is, from
        stdin); returns Postfix's queue id."""
        r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(self.a.smtp),
                            "--helo", "client.example.test", "--from", sender, "--to", to,
                            "--data", "-"],
                           # swaks ends the data with CRLF "." itself
                           input=data[:-1].replace(b"\n", b"\r\n") if data.endswith(b"\n")
                           else data.replace(b"\n", b"\r\n"), capture_output=True,
                           timeout=60)
        self.sent[mid] = data
        m = re.search(rb"queued as ([0-9A-Za-z]+)", r.stdout)
        if r.returncode != 0 or m is None:
            print("# swaks failed (%d): %s" % (r.returncode, r.stdout[-300:]))
        return m.group(1).decode() if m else None

    def log_status(self, qid):
        """The last status= of queue id qid in the maillog, with its line."""
        try:
            with open(self.maillog, errors="replace") as f:
                lines = [ln for ln in f if f" {qid}: " in ln and "status=" in ln]
        except OSError:
            return None, ""
        if not lines:
            return None, ""
        st = re.search(r"status=(\w+)", lines[-1]).group(1)
        return st, lines[-1].strip()

    def wait_status(self, qids, want=("sent", "bounced", "deferred"), timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            st = {q: self.log_status(q) for q in qids}
            if all(s[0] in want for s in st.values()):
                return st
            time.sleep(0.2)
        return {q: self.log_status(q) for q in qids}

    def queue(self):
        r = subprocess.run(["postqueue", "-c", self.etc, "-j"], capture_output=True, text=True)
        return r.stdout


def imap_login(a, user):
    c = imaplib.IMAP4("127.0.0.1", a.imap)
    c.login(user, "testpass")
    return c


def imap_folders(c):
    typ, data = c.list('""', '"*"')
    out = []
    for line in data:
        if line is None:
            continue
        line = line.decode() if isinstance(line, bytes) else str(line)
        m = re.match(r'\((.*?)\) (?:"(.*?)"|NIL) (.*)$', line)
        if m:
            name = m.group(3).strip()
            if name.startswith('"'):
                name = name[1:-1]
            if "\\Noselect" not in m.group(1) and "\\NonExistent" not in m.group(1):
                out.append(name)
    return out


def imap_find(c, folder, mid):
    """[(flags set, raw bytes)] of the messages with Message-ID mid."""
    typ, _ = c.select(f'"{folder}"', readonly=True)
    if typ != "OK":
        return None
    typ, data = c.search(None, "HEADER", "Message-ID", f"<{mid}>")
    out = []
    for num in data[0].split():
        typ, d = c.fetch(num, "(FLAGS BODY.PEEK[])")
        flags, raw = set(), b""
        for part in d:
            if isinstance(part, tuple):
                m = re.search(rb"FLAGS \((.*?)\)", part[0])
                if m:
                    flags = set(m.group(1).decode().split())
                raw = part[1]
            elif isinstance(part, bytes):
                m = re.search(rb"FLAGS \((.*?)\)", part)
                if m:
                    flags = set(m.group(1).decode().split())
        flags.discard("\\Recent")
        out.append((flags, raw))
    return out


def verify_user(t, user, expect, want_folders):
    """expect: [(mid, [folders], flags set)]; checks over IMAP."""
    try:
        c = imap_login(t.a, user)
    except Exception as e:
        mdalib.bad(f"{user}: IMAP login to Dovecot: {e}")
        return
    folders = imap_folders(c)
    check(set(want_folders) <= set(folders), f"{user}: IMAP LIST shows {sorted(want_folders)}",
          f"LIST gave {folders}")
    for mid, where, flags, what in expect:
        found = {}
        for f in folders:
            r = imap_find(c, f, mid)
            if r:
                found[f] = r
        placed = sorted(f for f, r in found.items() for _ in r)
        check(placed == sorted(where), f"{user}: {what} is in {where} only",
              f"found in {placed}")
        for f in where:
            for got_flags, raw in found.get(f, []):
                check(got_flags == flags, f"{user}: {what} in {f} has FLAGS {sorted(flags)}",
                      f"FLAGS {sorted(got_flags)}")
                sent_body = mdalib.body_of(t.sent[mid])
                got_body = mdalib.body_of(raw)
                check(got_body == sent_body and mdalib.parse_msg(raw)[1],
                      f"{user}: {what} in {f}: body intact",
                      f"{len(got_body)} bytes against {len(sent_body)} sent")
    c.logout()


def check_disk(t, pw, folders):
    """Each folder has maildirfolder (Maildir++) and new/ cur/ tmp/."""
    md = os.path.join(pw.pw_dir, "Maildir")
    for f in folders:
        d = os.path.join(md, "." + f.replace("/", "."))
        okd = all(os.path.isdir(os.path.join(d, s)) for s in ("new", "cur", "tmp"))
        check(okd and os.path.isfile(os.path.join(d, "maildirfolder")),
              f"{pw.pw_name}: {d} is a Maildir++ folder (new cur tmp maildirfolder)")
        st = os.stat(d) if os.path.isdir(d) else None
        check(st is not None and st.st_uid == pw.pw_uid,
              f"{pw.pw_name}: .{f.replace('/', '.')} owned by the user")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--smtp", type=int, required=True)
    ap.add_argument("--imap", type=int, required=True)
    ap.add_argument("--users", required=True)
    a = ap.parse_args()
    t = T(a)
    u1, u2, u3 = t.users
    p1, p2, p3 = t.pw
    for pw, name, text in ((p2, ".winnow.sieve", SIEVE), (p3, ".procmailrc", PROCMAILRC)):
        path = os.path.join(pw.pw_dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o644)

    exp = {u1: [], u2: [], u3: []}
    qids = []

    def go(user, where, flags, what, **kw):
        mid, to, sender, data = t.msg(user, **kw)
        qids.append(t.send(mid, to, sender, data))
        exp[user].append((mid, where, set(flags), what))

    spam = ["X-Spam-Flag: YES", "X-Spam-Status: Yes, score=15.2 required=5.0"]
    lst = ["List-Id: Developers <dev.lists.example.test>"]
    boss = "The Boss <ceo@boss.example.test>"
    # U1: default policy
    go(u1, ["INBOX"], [], "ham", subject="hello there")
    go(u1, ["Junk"], [], "spam (X-Spam-Flag: YES)", subject="cheap pills", headers=spam)
    # U2: Sieve
    go(u2, ["Lists/dev"], [], "list mail", subject="[dev] build broken", headers=lst)
    go(u2, ["Work"], ["\\Flagged"], "mail from boss", subject="report", frm=boss)
    go(u2, ["Shopping"], ["\\Seen", "$Shopping"], "mail to +shop", subject="your order",
       rcpt=f"{u2}+shop@mx.example.test")
    go(u2, ["Junk"], [], "spam", subject="cheap pills", headers=spam)
    go(u2, ["INBOX"], ["\\Seen", "\\Answered"], "'flag me' (setflag + keep)",
       subject="please flag me")
    go(u2, ["INBOX"], [], "plain mail (implicit keep)", subject="lunch?")
    # U3: procmail
    go(u3, ["Lists/dev"], [], "list mail", subject="[dev] build broken", headers=lst)
    go(u3, ["Work"], [], "mail from boss", subject="report", frm=boss)
    go(u3, ["Shopping"], [], "mail to +shop", subject="your order",
       rcpt=f"{u3}+shop@mx.example.test")
    go(u3, ["Junk"], [], "spam", subject="cheap pills", headers=spam)
    go(u3, ["Archive", "INBOX"], [], "'archive' (c copy, then DEFAULT)",
       subject="archive this")
    go(u3, ["INBOX"], [], "plain mail (DEFAULT)", subject="lunch?")

    st = t.wait_status(qids)
    notsent = {q: s for q, s in st.items() if s[0] != "sent"}
    check(not notsent, f"Postfix: all {len(qids)} messages status=sent through winnow-mda",
          "; ".join(s[1] for s in list(notsent.values())[:4]))

    verify_user(t, u1, exp[u1], ["INBOX", "Junk"])
    verify_user(t, u2, exp[u2], ["INBOX", "Junk", "Lists/dev", "Work", "Shopping"])
    verify_user(t, u3, exp[u3], ["INBOX", "Junk", "Lists/dev", "Work", "Shopping", "Archive"])
    check_disk(t, p1, ["Junk"])
    check_disk(t, p2, ["Lists/dev", "Work", "Shopping", "Junk"])
    check_disk(t, p3, ["Lists/dev", "Work", "Shopping", "Junk", "Archive"])

    # Read-only INBOX: Postfix keeps the message (deferred), then delivers.
    md1 = os.path.join(p1.pw_dir, "Maildir")
    for s in ("tmp", "new", "cur"):
        os.chmod(os.path.join(md1, s), 0o555)
    mid, to, sender, data = t.msg(u1, subject="while read-only")
    q = t.send(mid, to, sender, data)
    st = t.wait_status([q])[q]
    check(st[0] == "deferred", "read-only INBOX: Postfix defers the message (not bounced)",
          st[1])
    print("# " + st[1])
    check(q in t.queue(), "read-only INBOX: the message is still in Postfix's queue")
    for s in ("tmp", "new", "cur"):
        os.chmod(os.path.join(md1, s), 0o700)
    open(t.maillog, "a").close()
    subprocess.run(["postqueue", "-c", t.etc, "-f"], capture_output=True)
    end = time.time() + 30
    while time.time() < end and t.log_status(q)[0] != "sent":
        time.sleep(0.2)
    check(t.log_status(q)[0] == "sent", "read-only INBOX: delivered after postqueue -f",
          t.log_status(q)[1])
    verify_user(t, u1, [(mid, ["INBOX"], set(), "the deferred message")], ["INBOX"])

    # A Sieve script with a syntax error: the mail still lands in INBOX.
    path = os.path.join(p2.pw_dir, ".winnow.sieve")
    with open(path, "w") as f:
        f.write('require "fileinto";\nif header :contains "Subject" "x" {\n'
                '  fileinto "Broken"\n}\n')
    mid, to, sender, data = t.msg(u2, subject="x marks the spot")
    q = t.send(mid, to, sender, data)
    st = t.wait_status([q])[q]
    check(st[0] == "sent", "broken Sieve script: Postfix reports the mail delivered", st[1])
    verify_user(t, u2, [(mid, ["INBOX"], set(), "mail under a broken script")], ["INBOX"])
    mdalib.finish()


if __name__ == "__main__":
    main()
