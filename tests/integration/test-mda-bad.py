#!/usr/bin/python3
"""Driver of test-mda-bad.sh: winnow-mda fed bad input, as a real
unprivileged user (root would not see permission errors).

  1. Sieve syntax error: delivered to INBOX, exit 0, a log line naming
     file:line:column; --check-script refuses the file with the same.
  2. INCLUDERC recursion in a procmailrc (a file including itself, and
     two including each other): finishes in seconds, delivered (INBOX),
     exit 0, a log line about it.
  3. Regexes that backtrack badly (PCRE2 match limit), in Sieve :regex
     and in a procmail condition: finishes in seconds, delivered (INBOX:
     the pattern counts as no match or as a runtime error, never as a
     match into the folder), exit 0.
  4. A 60 MB message: delivered whole; time and peak memory printed,
     memory below 5x the message. An 80 MB one (over mda_max_size, 64m
     by default): refused with the documented size error (exit 65,
     EX_DATAERR, with a 5.3.4 line), nothing delivered, memory bounded.
  5. A full disk (a 2 MB tmpfs as the Maildir): deliveries that exit 0
     are whole, the first that does not fit exits 75, a message larger
     than the disk exits 75, nothing partial in new/ or cur/, no space
     leaked in tmp/ (a small message still delivers afterwards).
  6. A read-only folder: Junk not writable -> the spam is not lost
     (INBOX with exit 0, or exit 75); INBOX not writable -> exit 75 (the
     MTA keeps the mail) with a message naming the cause.
"""
import argparse
import os
import pwd
import re
import shutil
import subprocess
import time

import mdalib
from mdalib import check


class Env:
    def __init__(self, a):
        self.a = a
        self.pw = pwd.getpwnam(a.user)
        self.home = self.pw.pw_dir
        self.n = 0

    def fresh(self, name):
        """A new empty directory name under the user's home, owned by the
        user; returns (dir, its Maildir path)."""
        d = os.path.join(self.home, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        mdalib.chown_tree(d, self.pw)
        return d, os.path.join(d, "Maildir")

    def write(self, path, text, mode=0o644):
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, self.pw.pw_uid, self.pw.pw_gid)
        os.chmod(path, mode)

    def msg(self, **kw):
        self.n += 1
        mid = f"bad-{self.n}@bad.example.test"
        return mid, mdalib.make_msg(mid, **kw)

    def run(self, args, data, timeout=120):
        """Runs winnow-mda args with data on stdin as the user:
        (exit status, stderr text, seconds, peak RSS in kB)."""
        # /usr/bin/time measures the peak RSS of winnow-mda alone (this
        # driver's own pages would count in a child forked from it)
        rssf = os.path.join(self.home, ".rss")
        t0 = time.time()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rssf, self.a.mda] + args,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, **mdalib.as_user(self.pw))
        try:
            out, err = p.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += b"\n[killed by the test after %d s]" % timeout
        try:
            with open(rssf) as f:
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = -1
        text = (out + err).decode(errors="replace")
        return p.returncode, text, time.time() - t0, rss


def where(maildir, mid):
    """Folders (with sub) holding mid, and whether each copy is whole."""
    out = []
    for f in mdalib.scan(maildir):
        m, whole = mdalib.parse_msg(f["data"])
        if m == mid:
            out.append((f["folder"], f["sub"], whole))
    return out


def visible(maildir):
    return [f for f in mdalib.scan(maildir) if f["sub"] in ("new", "cur")]


def in_inbox(maildir, mid):
    return where(maildir, mid) == [("INBOX", "new", True)] or \
        where(maildir, mid) == [("INBOX", "cur", True)]


def sieve_syntax(e):
    d, md = e.fresh("syntax")
    script = os.path.join(d, "bad.sieve")
    # line 4, column 1: '}' where the ';' ending fileinto was due
    e.write(script, 'require "fileinto";\nif header :contains "Subject" "x" {\n'
            '  fileinto "Xfolder"\n}\n')
    mid, data = e.msg(subject="x marks")
    rc, err, dt, _ = e.run(["-m", md, "-s", script], data)
    loc = re.search(re.escape(script) + r":(\d+):(\d+)", err)
    check(rc == 0, "sieve syntax error: exit 0", f"exit {rc}: {err.strip()}")
    check(in_inbox(md, mid), "sieve syntax error: delivered to INBOX",
          f"found {where(md, mid)}")
    check(loc is not None and loc.group(1) in ("3", "4"),
          "sieve syntax error: log line names file:line:column", repr(err.strip()))
    print("# " + err.strip().replace("\n", "\n# "))
    rc, err, _, _ = e.run(["--check-script", script], b"")
    check(rc != 0 and re.search(re.escape(script) + r":\d+:\d+", err) is not None,
          "--check-script refuses the script naming file:line:column",
          f"exit {rc}: {err.strip()!r}")
    good = os.path.join(d, "good.sieve")
    e.write(good, 'require "fileinto";\nif header :contains "Subject" "x" {\n'
            '  fileinto "Xfolder";\n}\n')
    rc, err, _, _ = e.run(["--check-script", good], b"")
    check(rc == 0, "--check-script accepts the corrected script", f"exit {rc}: {err.strip()!r}")


def includerc(e):
    for case in ("self", "pair"):
        d, md = e.fresh("incl-" + case)
        rc1 = os.path.join(d, "procmailrc-1")
        rc2 = os.path.join(d, "procmailrc-2")
        e.write(rc1, f"MAILDIR={md}/\nDEFAULT=$MAILDIR\n:0\n* ^Subject: never matches\n"
                f".Never/\nINCLUDERC={rc2 if case == 'pair' else rc1}\n")
        e.write(rc2, f"INCLUDERC={rc1}\n")
        mid, data = e.msg(subject="include me")
        rc, err, dt, _ = e.run(e.a.procmail_args(rc1, md), data, timeout=30)
        check(dt < 10, f"INCLUDERC recursion ({case}): finishes ({dt:.2f} s)")
        check(rc == 0 and in_inbox(md, mid),
              f"INCLUDERC recursion ({case}): exit 0, delivered to INBOX",
              f"exit {rc}, found {where(md, mid)}: {err.strip()!r}")
        check(err.strip() != "", f"INCLUDERC recursion ({case}): a log line says why",
              "nothing on stderr")
        print("# " + err.strip().replace("\n", "\n# "))


def backtrack(e):
    subj = "a" * 40 + "!"
    for kind in ("sieve", "procmail"):
        for pat in ("^(a|aa)+$", "^(a+)+$"):
            d, md = e.fresh("bt")
            if kind == "sieve":
                s = os.path.join(d, "bt.sieve")
                e.write(s, 'require ["regex", "fileinto"];\n'
                        f'if header :regex "Subject" "{pat}" {{ fileinto "Caught"; }}\n')
                args = ["-m", md, "-s", s]
            else:
                s = os.path.join(d, "procmailrc")
                e.write(s, f"MAILDIR={md}/\nDEFAULT=$MAILDIR\n:0\n"
                        f"* ^Subject: {pat[1:]}\n.Caught/\n")
                args = e.a.procmail_args(s, md)
            mid, data = e.msg(subject=subj)
            rc, err, dt, _ = e.run(args, data, timeout=60)
            check(dt < 5 and rc == 0 and in_inbox(md, mid),
                  f"backtracking regex {pat} ({kind}): {dt:.2f} s, exit 0, in INBOX",
                  f"exit {rc}, found {where(md, mid)}: {err.strip()[:300]!r}")
            if err.strip():
                print("# " + err.strip().replace("\n", "\n# ")[:400])


def under_asan(binary):
    r = subprocess.run(["ldd", binary], capture_output=True, text=True)
    return "libasan" in r.stdout


def huge(e):
    asan = under_asan(e.a.mda)
    # 60 MB: under mda_max_size (64m by default), delivered whole
    d, md = e.fresh("huge")
    mid, data = e.msg(subject="huge", body_len=e.a.huge_mb * 1024 * 1024)
    rc, err, dt, rss = e.run(["-m", md], data, timeout=300)
    print(f"# {len(data) / 1e6:.1f} MB message: exit {rc} in {dt:.2f} s, "
          f"peak RSS {rss / 1024:.0f} MB; {err.strip()[:300]!r}", flush=True)
    check(rc == 0 and in_inbox(md, mid), f"{e.a.huge_mb} MB message: exit 0, delivered whole "
          "to INBOX", f"exit {rc}, found {where(md, mid)}: {err.strip()[:300]!r}")
    if asan:
        print("# peak memory not checked under ASan (redzones, quarantine)")
    else:
        check(0 < rss * 1024 < 5 * len(data), f"{e.a.huge_mb} MB message: peak memory below "
              f"5x the message ({rss / 1024:.0f} MB)")
    shutil.rmtree(d, ignore_errors=True)
    # 80 MB: over mda_max_size, refused with the documented size error
    # (EX_DATAERR 65 and a 5.3.4 line for the MTA's bounce), reading stops
    # at the limit
    d, md = e.fresh("huge")
    mid, data = e.msg(subject="too huge", body_len=80 * 1024 * 1024)
    rc, err, dt, rss = e.run(["-m", md], data, timeout=300)
    print(f"# {len(data) / 1e6:.1f} MB message: exit {rc} in {dt:.2f} s, "
          f"peak RSS {rss / 1024:.0f} MB; {err.strip()[:300]!r}", flush=True)
    check(rc == 65 and "5.3.4" in err and not visible(md),
          "80 MB message (over mda_max_size 64m): exit 65 with 5.3.4, nothing delivered",
          f"exit {rc}, {len(visible(md))} visible: {err.strip()[:300]!r}")
    if not asan:
        check(0 < rss < 200 * 1024, f"80 MB message: peak memory bounded ({rss / 1024:.0f} MB "
              "< 200)")
    shutil.rmtree(d, ignore_errors=True)


def full_disk(e):
    md = os.path.join(e.a.tmpfs, "Maildir")
    good, codes = [], []
    rc = 0
    for i in range(100):  # 100 KB each into 2 MB: fills up within ~20
        mid, data = e.msg(subject=f"fill {i}", body_len=100 * 1024)
        rc, err, _, _ = e.run(["-m", md], data)
        codes.append(rc)
        if rc == 0:
            good.append(mid)
        else:
            break
    print(f"# full disk: {len(good)} fitted, then exit {rc}: {err.strip()[:300]!r}", flush=True)
    check(rc == 75, "full disk: the delivery that does not fit exits 75",
          f"exit codes {codes}")
    check(all(in_inbox(md, m) for m in good), f"full disk: the {len(good)} that exited 0 are whole")
    vis = visible(md)
    check(all(mdalib.parse_msg(f["data"])[1] for f in vis) and len(vis) == len(good),
          "full disk: nothing partial or extra in new/ or cur/",
          f"{len(vis)} visible, {len(good)} delivered")
    mid, data = e.msg(subject="bigger than the disk", body_len=3 * 1024 * 1024)
    rc, err, _, _ = e.run(["-m", md], data)
    check(rc == 75 and not where(md, mid), "full disk: a message bigger than the disk exits 75, "
          "nothing of it visible", f"exit {rc}, {where(md, mid)}: {err.strip()[:200]!r}")
    tmpl = [f for f in mdalib.scan(md) if f["sub"] == "tmp"]
    check(not tmpl, "full disk: failed deliveries leave nothing in tmp/ (no space leaked)",
          f"{len(tmpl)} files, {sum(len(f['data']) for f in tmpl)} bytes")
    # make room: remove two delivered, a small one then fits
    for f in vis[:2]:
        os.unlink(f["path"])
    mid, data = e.msg(subject="small after full", body_len=1000)
    rc, err, _, _ = e.run(["-m", md], data)
    check(rc == 0 and in_inbox(md, mid), "full disk: with room again a message delivers",
          f"exit {rc}: {err.strip()[:200]!r}")


def read_only(e):
    d, md = e.fresh("ro")
    mid, data = e.msg(subject="first")
    rc, err, _, _ = e.run(["-m", md], data)  # creates the Maildir
    mid, data = e.msg(subject="spam", headers=["X-Spam-Flag: YES"])
    rc, err, _, _ = e.run(["-m", md], data)  # creates Junk
    check(rc == 0 and where(md, mid) == [("Junk", "new", True)],
          "read-only: (setup) default policy files a spam into Junk", f"exit {rc}: {err!r}")
    junk = os.path.join(md, ".Junk")
    for s in ("tmp", "new", "cur"):
        os.chmod(os.path.join(junk, s), 0o555)
    mid, data = e.msg(subject="spam 2", headers=["X-Spam-Flag: YES"])
    rc, err, _, _ = e.run(["-m", md], data)
    print(f"# read-only Junk: exit {rc}; {err.strip()[:300]!r}", flush=True)
    check((rc == 0 and in_inbox(md, mid)) or (rc == 75 and not where(md, mid)),
          "read-only Junk: spam not lost (INBOX with exit 0, or exit 75 for a retry)",
          f"exit {rc}, found {where(md, mid)}")
    check(rc == 0 or "Junk" in err, "read-only Junk: the message names the folder",
          repr(err.strip()))
    for s in ("tmp", "new", "cur"):
        os.chmod(os.path.join(junk, s), 0o755)
        os.chmod(os.path.join(md, s), 0o555)
    mid, data = e.msg(subject="ham to a read-only INBOX")
    rc, err, _, _ = e.run(["-m", md], data)
    print(f"# read-only INBOX: exit {rc}; {err.strip()[:300]!r}", flush=True)
    check(rc == 75, "read-only INBOX: exit 75 (the MTA keeps the mail and retries)",
          f"exit {rc}")
    check(not where(md, mid), "read-only INBOX: nothing delivered anywhere", f"{where(md, mid)}")
    check(re.search(r"ermission|EACCES|read-only|not writable", err) is not None,
          "read-only INBOX: the message says why", repr(err.strip()))
    for s in ("tmp", "new", "cur"):
        os.chmod(os.path.join(md, s), 0o755)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mda", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--tmpfs", required=True, help="a 2 MB tmpfs owned by the user")
    ap.add_argument("--huge-mb", type=int, default=60)
    ap.add_argument("--only")
    a = ap.parse_args()
    # how a procmailrc is named on the command line
    a.procmail_args = lambda rc, md: ["-m", md, "-s", rc]
    e = Env(a)
    cases = [("syntax", sieve_syntax), ("includerc", includerc), ("backtrack", backtrack),
             ("huge", huge), ("full", full_disk), ("readonly", read_only)]
    for name, fn in cases:
        if a.only and name not in a.only.split(","):
            continue
        fn(e)
    mdalib.finish()


if __name__ == "__main__":
    main()
