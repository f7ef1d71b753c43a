"""Runs each procmail case (tests/data/procmail/cases/*.t) through the
real procmail and through winnow-mda's interpreter (test-procmail
--deliver) and compares where the message went: for every Maildir, the
contents of the messages in it, and any other file a command wrote.
Forwards go to a stand-in sendmail (SENDMAIL for procmail, the test ops
for ours) that writes the addresses and the message to forward-N.

Cases that only winnow-mda can run are left out: parse errors (procmail
would treat the lines differently, e.g. write to an mbox), run-time
error and failure injection cases (run-*), and cases marked "# xcheck: no <why>". A case marked "# xcheck: differs
<why>" is a known, documented difference: it must still differ (so the
note stays true) and is counted apart.

Usage: test-procmail-crosscheck.py DATADIR TEST_PROCMAIL
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time


def load_case(path):
    sections, cur, comments = {}, None, []
    for line in open(path, encoding="utf-8"):
        if line.startswith("--- "):
            cur = line[4:].rstrip("\n")
            sections[cur] = ""
        elif cur is None:
            comments.append(line.rstrip("\n"))
        else:
            sections[cur] += line
    return sections, comments


def subst(text, d):
    return text.replace("$T", d).rstrip("\n") + "\n"


def setup(sections, d, default_msg):
    for name, body in sections.items():
        if name.startswith("file "):
            os.makedirs(os.path.dirname(os.path.join(d, name[5:])), exist_ok=True)
            with open(os.path.join(d, name[5:]), "w") as f:
                f.write(subst(body, d))
    with open(os.path.join(d, "test.rc"), "w") as f:
        f.write(subst(sections.get("rc", ""), d))
    msg = subst(sections["msg"], d) if "msg" in sections else default_msg
    with open(os.path.join(d, "msg.eml"), "w") as f:
        f.write(msg)


def snapshot(d):
    return sorted((os.path.join(r, f), os.path.getsize(os.path.join(r, f)))
                  for r, _, files in os.walk(d) for f in files)


def settle(d, forwards):
    """procmail's clones, and the sendmail it does not wait for, may still
    be writing: wait until no tmp/ file is left and, when something was
    forwarded, nothing changes for a while."""
    for _ in range(50):
        busy = any(os.path.basename(r) == "tmp" and files
                   for r, _, files in os.walk(d))
        if not busy:
            break
        time.sleep(0.1)
    if not forwards:
        return
    time.sleep(0.3)
    last = None
    for _ in range(50):
        now = snapshot(d)
        if now == last:
            return
        last = now
        time.sleep(0.2)


def digest(path):
    """A message's hash. Trailing empty lines are left out: procmail
    feeds commands the message with an empty line added at its end
    (procmailrc(5), flag r), so a filter's output keeps it; winnow-mda
    feeds the message as stored."""
    data = open(path, "rb").read()
    while data.endswith(b"\n\n"):
        data = data[:-1]
    return hashlib.sha1(data).hexdigest()[:12]


def outcome(d, inputs):
    """{maildir: sorted content hashes, other file: hash}."""
    res = {}
    for root, dirs, files in os.walk(d):
        rel = os.path.relpath(root, d)
        if os.path.basename(root) in ("new", "cur"):
            box = os.path.dirname(rel)
            for f in files:
                h = digest(os.path.join(root, f))
                res.setdefault("maildir " + box, []).append(h)
        elif os.path.basename(root) == "tmp":
            continue
        else:
            for f in files:
                p = os.path.normpath(os.path.join(rel, f))
                # procmail removes its lockfiles, flock(1) leaves them
                if (p in inputs or p == "procmail.log" or f == ".keep"
                        or f.endswith((".lock", ".lck"))):
                    continue
                h = digest(os.path.join(root, f))
                if f.startswith("forward-"):  # named by pid or by count
                    res.setdefault("forwards", []).append(h)
                else:
                    res["file " + p] = [h]
    return {k: sorted(v) for k, v in res.items()}


# procmail runs it without waiting: several may run at once
SENDMAIL = """#!/bin/sh
d=$(dirname "$0")
{ printf 'To:'; for a in "$@"; do case $a in -*) ;; *) printf ' %s' "$a";; esac; done
  printf '\\n'; cat; } > "$d/forward-$$"
"""


def run_procmail(d, forwards):
    env = {"PATH": "/usr/bin:/bin", "HOME": d, "LOGNAME": "bob"}
    with open(os.path.join(d, "sendmail.sh"), "w") as f:
        f.write(SENDMAIL)
    os.chmod(os.path.join(d, "sendmail.sh"), 0o755)
    with open(os.path.join(d, "msg.eml"), "rb") as msg:
        try:
            subprocess.run(["procmail", "-m", "MAILDIR=" + d, "DEFAULT=" + d + "/Maildir/",
                            "LOGFILE=" + d + "/procmail.log", "VERBOSE=on",
                            "SENDMAIL=" + d + "/sendmail.sh",
                            os.path.join(d, "test.rc")],
                           stdin=msg, env=env, cwd=d, timeout=20,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print("procmail timed out in", d)
    settle(d, forwards)


def run_ours(d, prog):
    subprocess.run([prog, "--deliver", os.path.join(d, "test.rc"),
                    os.path.join(d, "msg.eml"), d],
                   timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    data, prog = sys.argv[1], sys.argv[2]
    default_msg = open(os.path.join(data, "default.eml")).read()
    cdir = os.path.join(data, "cases")
    agree, differ_known, bad, skipped = [], [], [], []
    for name in sorted(os.listdir(cdir)):
        if not name.endswith(".t"):
            continue
        sections, comments = load_case(os.path.join(cdir, name))
        marks = [c for c in comments if c.startswith("# xcheck:")]
        known = any("differs" in m for m in marks)
        if ("parse-error" in sections or name.startswith("run-")
                or any(" no" in m.split(":", 1)[1][:3] for m in marks)):
            skipped.append(name)
            continue
        print("case", name, flush=True)
        dirs = [tempfile.mkdtemp(prefix="wn-pmx-"), tempfile.mkdtemp(prefix="wn-pmx-")]
        try:
            for d in dirs:
                setup(sections, d, default_msg)
            inputs = {"test.rc", "msg.eml", "sendmail.sh"} | {
                n[5:] for n in sections if n.startswith("file ")}
            run_procmail(dirs[0], "redirect " in sections.get("trace", ""))
            run_ours(dirs[1], prog)
            theirs = outcome(dirs[0], inputs)
            ours = outcome(dirs[1], inputs)
        finally:
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
        same = theirs == ours
        if known:
            (differ_known if not same else bad).append(name)
            if same:
                print("FAIL %s: marked as differing but agrees now" % name)
            continue
        if same:
            agree.append(name)
        else:
            bad.append(name)
            print("DIFFER %s\n  procmail: %s\n  ours:     %s" % (name, theirs, ours))
    corpus_bad = corpus(data, prog)
    total = len(agree) + len(differ_known) + len(bad)
    print("procmail cross-check: %d of %d cases agree, %d known differences (%s), "
          "%d disagree, %d cases not cross-checkable"
          % (len(agree), total, len(differ_known), ", ".join(differ_known) or "none",
             len(bad), len(skipped)))
    return 1 if bad or corpus_bad else 0


CORPUS = os.environ.get("WINNOW_CORPUS_CACHE", "/var/cache/winnow-corpus") + "/package/data"
CORPUS_EACH = 150


def corpus(data, prog):
    """corpus.rc over the first messages of easy-ham-1 and spam-1 (the
    folders that may be used freely): where each one landed must agree.
    Returns the number of disagreements."""
    rc = open(os.path.join(data, "corpus.rc")).read()
    msgs = []
    for folder in ("easy-ham-1", "spam-1"):
        d = os.path.join(CORPUS, folder)
        if not os.path.isdir(d):
            print("corpus cross-check: %s missing, skipped" % d)
            return 0
        names = sorted(n for n in os.listdir(d) if n.endswith(".txt"))[:CORPUS_EACH]
        msgs += [os.path.join(d, n) for n in names]
    agree, bad, folders = 0, 0, {}
    for path in msgs:
        raw = open(path, "rb").read()
        if raw.startswith(b"From "):  # the mbox line: an MTA hands none
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        dirs = [tempfile.mkdtemp(prefix="wn-pmc-"), tempfile.mkdtemp(prefix="wn-pmc-")]
        try:
            for d in dirs:
                with open(os.path.join(d, "test.rc"), "w") as f:
                    f.write(rc)
                with open(os.path.join(d, "msg.eml"), "wb") as f:
                    f.write(raw)
            run_procmail(dirs[0], False)
            run_ours(dirs[1], prog)
            theirs = outcome(dirs[0], {"test.rc", "msg.eml", "sendmail.sh"})
            ours = outcome(dirs[1], {"test.rc", "msg.eml", "sendmail.sh"})
        finally:
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
        for k in ours:
            folders[k] = folders.get(k, 0) + 1
        if theirs == ours:
            agree += 1
        else:
            bad += 1
            print("DIFFER %s\n  procmail: %s\n  ours:     %s" % (path, theirs, ours))
    print("corpus cross-check: %d of %d messages land in the same folders with the same "
          "content (%s)" % (agree, len(msgs), ", ".join(
              "%s %d" % (k.split(" ", 1)[1], v) for k, v in sorted(folders.items()))))
    return bad


if __name__ == "__main__":
    sys.exit(main())
