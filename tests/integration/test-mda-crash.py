#!/usr/bin/python3
"""Driver of test-mda-crash.sh: winnow-mda under SIGKILL and under
concurrency, delivering with `winnow-mda -m MAILDIR` as a real user
(the default policy: X-Spam-Flag: YES to Junk, the rest to INBOX).

  A. kill -9 loop: N deliveries (default 1000) of self-checking messages
     (mdalib.make_msg: 200 bytes to 256 KB), about half of them killed
     with SIGKILL after a random delay between 0 and 1.5x the fastest of
     the first 20 deliveries (a few ms here). Then every file in
     new/ and cur/ of every folder is parsed: each is one of ours and whole, no
     Message-ID appears twice, each is in its policy folder; every
     delivery that exited 0 is there exactly once; only tmp/ may hold
     leftovers (counted, shown). No exit status other than 0 (or death by
     the signal we sent) is accepted. Afterwards a ham and a spam still
     deliver (a folder whose creation was killed half way must not wedge
     the Maildir).
  A2. the same through a Sieve script filing by a header into folders
     that do not exist yet, a new one every 4 messages (fileinto :create
     with ${1} from header :matches, nested, with :flags, and fileinto +
     keep): 300 deliveries, half killed as in A; every file whole and in
     its folder (\\Seen where asked), each delivery that exited 0 there
     (both copies for fileinto + keep).
  B. concurrency: rounds of P deliveries (default 50) started at once into
     one fresh Maildir (the Junk folder created by racing processes):
     all exit 0, all there once, whole, in the right folder.
"""
import argparse
import os
import pwd
import random
import signal
import subprocess
import time

import mdalib
from mdalib import check


def gen_messages(d, n, seed, prefix):
    """Writes n messages into d; returns [(path, mid, spam)]."""
    rnd = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    out = []
    for i in range(n):
        mid = f"{prefix}-{i}@crash.example.test"
        spam = rnd.random() < 0.35
        size = int(200 * (2 ** rnd.uniform(0, 10.3)))  # 200 B .. 256 KB
        hdrs = ["X-Spam-Flag: YES", "X-Spam-Status: Yes, score=12.0"] if spam else []
        p = os.path.join(d, f"{i}.eml")
        with open(p, "wb") as f:
            f.write(mdalib.make_msg(mid, subject=f"crash {i}", headers=hdrs, body_len=size))
        out.append((p, mid, spam))
    return out


def run_mda(a, pw, maildir, path, errf):
    with open(path, "rb") as stdin:
        return subprocess.Popen([a.mda, "-m", maildir, "-f", "alice@example.test"],
                                stdin=stdin, stdout=subprocess.DEVNULL, stderr=errf,
                                **mdalib.as_user(pw))


def verify(maildir, sent, must, what):
    """Checks maildir against sent {mid: folder it belongs in ("INBOX",
    "Junk", "Kill.a"...)}; must: mids that have to be there (their
    delivery exited 0). Returns the scan."""
    files = mdalib.scan(maildir)
    visible = [f for f in files if f["sub"] in ("new", "cur")]
    leftovers = [f for f in files if f["sub"] == "tmp"]
    seen = {}
    partial, foreign, misfiled = [], [], []
    for f in visible:
        mid, whole = mdalib.parse_msg(f["data"])
        if mid not in sent:
            foreign.append(f["path"])
            continue
        if not whole:
            partial.append(f"{f['path']} ({len(f['data'])} bytes)")
        seen.setdefault(mid, []).append(f["path"])
        want = sent[mid]
        if f["folder"] != want:
            misfiled.append(f"{mid} in {f['folder']}, want {want}")
    dups = {m: p for m, p in seen.items() if len(p) > 1}
    missing = [m for m in must if m not in seen]
    check(not partial, f"{what}: every file in new/ and cur/ is whole ({len(visible)} files)",
          "; ".join(partial[:5]))
    check(not foreign, f"{what}: nothing but our messages in new/ and cur/", "; ".join(foreign[:5]))
    check(not dups, f"{what}: no message appears twice",
          "; ".join(f"{m}: {p}" for m, p in list(dups.items())[:3]))
    check(not missing, f"{what}: all {len(must)} deliveries that exited 0 are there",
          f"{len(missing)} missing, e.g. {missing[:5]}")
    check(not misfiled, f"{what}: each message in the folder its policy or script says",
          "; ".join(misfiled[:5]))
    part_tmp = sum(1 for f in leftovers if not mdalib.parse_msg(f["data"])[1])
    print(f"# {what}: {len(visible)} visible, {len(leftovers)} left in tmp/ "
          f"({part_tmp} of them partial)", flush=True)
    return files


def kill_loop(a, pw):
    base = os.path.join(a.work, "kill")
    os.makedirs(base, exist_ok=True)
    msgs = gen_messages(os.path.join(a.work, "kill-msgs"), a.n, 7, "k")
    maildir = os.path.join(base, "Maildir")
    mdalib.chown_tree(base, pw)
    rnd = random.Random(11)
    errlog = os.path.join(a.work, "kill-stderr.log")
    sent, must, codes = {}, [], {}
    killed = killed_late = 0
    t0 = time.time()
    with open(errlog, "wb") as errf:
        # kill at random points of a delivery: the delay is drawn from 0 to
        # 1.5x the fastest of the first 20 (not killed) deliveries (the
        # first ones make the Maildir and run on cold caches): a few ms for
        # the plain build here, more under ASan or on a loaded machine
        times = []
        for path, mid, spam in msgs[:20]:
            sent[mid] = "Junk" if spam else "INBOX"
            t = time.time()
            rc = run_mda(a, pw, maildir, path, errf).wait()
            times.append(time.time() - t)
            codes[rc] = codes.get(rc, 0) + 1
            if rc == 0:
                must.append(mid)
        span = 1.5 * min(times)
        print(f"# kill loop: fastest delivery {1000 * min(times):.1f} ms; kills after "
              f"0-{1000 * span:.1f} ms", flush=True)
        for path, mid, spam in msgs[20:]:
            sent[mid] = "Junk" if spam else "INBOX"
            kill = rnd.random() < a.kill_fraction
            delay = rnd.uniform(0, span)
            p = run_mda(a, pw, maildir, path, errf)
            if kill:
                time.sleep(delay)
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    killed += 1
                else:
                    killed_late += 1
            rc = p.wait()
            codes[rc] = codes.get(rc, 0) + 1
            if rc == 0:
                must.append(mid)
    dt = time.time() - t0
    print(f"# kill loop: {a.n} deliveries in {dt:.1f} s; SIGKILL sent to {killed} "
          f"running processes ({killed_late} had already finished); exit codes {codes}",
          flush=True)
    unexpected = {c: n for c, n in codes.items() if c not in (0, -signal.SIGKILL)}
    if unexpected:
        with open(errlog, "rb") as f:
            tail = f.read()[-600:].decode(errors="replace")
    check(not unexpected, "kill loop: every delivery exited 0 or died by our SIGKILL",
          f"{unexpected}; stderr tail: {tail!r}" if unexpected else "")
    check(codes.get(-signal.SIGKILL, 0) > a.n // 20,
          "kill loop: a good share of deliveries was really killed mid-way",
          f"only {codes.get(-signal.SIGKILL, 0)}")
    files = verify(maildir, sent, must, "kill loop")
    present = {mdalib.parse_msg(f["data"])[0] for f in files if f["sub"] != "tmp"}
    killed_but_there = len(present) - len(must)
    in_tmp = sum(1 for f in files if f["sub"] == "tmp")
    print(f"# kill loop: {killed_but_there} killed deliveries were complete in new/ anyway "
          "(killed after the link/rename: the MTA would deliver them again)", flush=True)
    check(in_tmp > 0 and killed_but_there > 0,
          "kill loop: kills landed inside deliveries (some left a file in tmp/, some after "
          "the file reached new/)", f"{in_tmp} in tmp/, {killed_but_there} complete")
    # The Maildir still works after all that (half-made folders included).
    extra = []
    for i, spam in enumerate((False, True)):
        mid = f"after-{i}@crash.example.test"
        p = os.path.join(a.work, f"after-{i}.eml")
        with open(p, "wb") as f:
            f.write(mdalib.make_msg(mid, headers=["X-Spam-Flag: YES"] if spam else []))
        extra.append((p, mid, spam))
        sent[mid] = "Junk" if spam else "INBOX"
    rcs = []
    with open(errlog, "ab") as errf:
        for p, mid, _ in extra:
            rcs.append(run_mda(a, pw, maildir, p, errf).wait())
            must.append(mid)
    check(rcs == [0, 0], "after the kill loop a ham and a spam still deliver (exit 0)", f"{rcs}")
    verify(maildir, sent, must, "after the kill loop")


SIEVE = """require ["fileinto", "mailbox", "imap4flags", "variables"];
if header :matches "X-Folder" "a*" { fileinto :create "Kill/a${1}"; }
elsif header :matches "X-Folder" "b*" { fileinto :create :flags "\\\\Seen" "Kill/b${1}"; }
elsif header :matches "X-Folder" "c*" { fileinto :create "Kill/c${1}/deep"; }
elsif header :matches "X-Folder" "d*" { fileinto :create "Kill.d${1}"; keep; }
"""


def sieve_expect(xf):
    """Folders a message with X-Folder: xf must be in."""
    k, n = xf[0], xf[1:]
    return {"a": {f"Kill.a{n}"}, "b": {f"Kill.b{n}"}, "c": {f"Kill.c{n}.deep"},
            "d": {f"Kill.d{n}", "INBOX"}, "e": {"INBOX"}}[k]


def sieve_kill_loop(a, pw):
    """The kill loop again through a Sieve script filing into folders
    that do not exist yet, a new one every few messages: kills land
    while folders are being made and while a message is filed twice
    (fileinto + keep)."""
    base = os.path.join(a.work, "skill")
    os.makedirs(base, exist_ok=True)
    script = os.path.join(base, "kill.sieve")
    with open(script, "w") as f:
        f.write(SIEVE)
    maildir = os.path.join(base, "Maildir")
    mdalib.chown_tree(base, pw)
    rnd = random.Random(23)
    errlog = os.path.join(a.work, "skill-stderr.log")
    codes, must, sent, times = {}, [], {}, []
    d = os.path.join(a.work, "skill-msgs")
    os.makedirs(d, exist_ok=True)
    with open(errlog, "wb") as errf:
        for i in range(a.n_sieve):
            xf = rnd.choice("abcde") + str(i // 4)
            mid = f"s{i}@crash.example.test"
            path = os.path.join(d, f"{i}.eml")
            with open(path, "wb") as f:
                f.write(mdalib.make_msg(mid, headers=[f"X-Folder: {xf}"],
                                        body_len=int(200 * (2 ** rnd.uniform(0, 8)))))
            sent[mid] = xf
            t = time.time()
            with open(path, "rb") as stdin:
                p = subprocess.Popen([a.mda, "-m", maildir, "-s", script], stdin=stdin,
                                     stdout=subprocess.DEVNULL, stderr=errf,
                                     **mdalib.as_user(pw))
            if i >= 20 and rnd.random() < 0.5:  # the first 20 time a delivery
                time.sleep(rnd.uniform(0, 1.5 * min(times)))
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
            rc = p.wait()
            if i < 20:
                times.append(time.time() - t)
            codes[rc] = codes.get(rc, 0) + 1
            if rc == 0:
                must.append(mid)
    print(f"# sieve kill loop: {a.n_sieve} deliveries, exit codes {codes}", flush=True)
    detail = ""
    if set(codes) - {0, -signal.SIGKILL}:
        with open(errlog, "rb") as f:
            detail = f"{codes}; stderr: {f.read()[-600:].decode(errors='replace')!r}"
    check(not set(codes) - {0, -signal.SIGKILL},
          "sieve kill loop: every delivery exited 0 or died by our SIGKILL", detail)
    files = mdalib.scan(maildir)
    seen, bad_files = {}, []
    for f in files:
        if f["sub"] == "tmp":
            continue
        mid, whole = mdalib.parse_msg(f["data"])
        xf = sent.get(mid)
        if not whole or xf is None or f["folder"] not in sieve_expect(xf):
            bad_files.append(f"{f['path']} whole={whole}")
        elif xf[0] == "b" and "S" not in mdalib.maildir_flags(f["name"]):
            bad_files.append(f"{f['path']}: no S flag")
        seen.setdefault((mid, f["folder"]), []).append(f["name"])
    check(not bad_files, f"sieve kill loop: every file in new/ and cur/ whole, in its folder "
          f"({sum(1 for f in files if f['sub'] != 'tmp')} files)", "; ".join(bad_files[:4]))
    dups = [k for k, v in seen.items() if len(v) > 1]
    check(not dups, "sieve kill loop: no message twice in one folder", f"{dups[:4]}")
    missing = [m for m in must if any((m, fo) not in seen for fo in sieve_expect(sent[m]))]
    check(not missing, f"sieve kill loop: all {len(must)} deliveries that exited 0 are "
          "there (both copies for fileinto + keep)", f"{len(missing)} missing: {missing[:4]}")
    fl = mdalib.folders(maildir)
    broken = [n for n, dd in fl.items()
              if n != "INBOX" and not os.path.isfile(os.path.join(dd, "maildirfolder"))]
    print(f"# sieve kill loop: {len(fl) - 1} folders made; {len(broken)} without "
          f"maildirfolder (their creation was killed half way): {broken[:5]}", flush=True)
    # A folder whose creation was killed: the next delivery into it works
    # and completes it (Maildir++: maildirfolder).
    rcs, still = [], []
    with open(errlog, "ab") as errf:
        for n in broken:
            xf = n.split(".")[1]  # "Kill.a41" / "Kill.c20.deep" -> a41 / c20
            mid = f"repair-{n}@crash.example.test"
            with subprocess.Popen([a.mda, "-m", maildir, "-s", script], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=errf,
                                  **mdalib.as_user(pw)) as p:
                p.communicate(mdalib.make_msg(mid, headers=[f"X-Folder: {xf}"]))
            rcs.append(p.returncode)
            if not os.path.isfile(os.path.join(fl[n], "maildirfolder")):
                still.append(n)
    if broken:
        check(set(rcs) == {0}, f"sieve kill loop: the {len(broken)} half-made folders take "
              "the next delivery (exit 0)", f"{rcs}")
        check(not still, "sieve kill loop: ... and are completed (maildirfolder written)",
              f"still without: {still[:5]}")


def concurrent(a, pw):
    base = os.path.join(a.work, "conc")
    os.makedirs(base, exist_ok=True)
    maildir = os.path.join(base, "Maildir")
    mdalib.chown_tree(base, pw)
    sent, must = {}, []
    errlog = os.path.join(a.work, "conc-stderr.log")
    bad_rc = []
    t0 = time.time()
    with open(errlog, "wb") as errf:
        for r in range(a.rounds):
            msgs = gen_messages(os.path.join(a.work, f"conc-msgs-{r}"), a.parallel, 100 + r,
                                f"c{r}")
            procs = []
            for path, mid, spam in msgs:
                sent[mid] = "Junk" if spam else "INBOX"
                procs.append((mid, run_mda(a, pw, maildir, path, errf)))
            for mid, p in procs:
                rc = p.wait()
                if rc == 0:
                    must.append(mid)
                else:
                    bad_rc.append((mid, rc))
    dt = time.time() - t0
    print(f"# concurrency: {a.rounds} rounds of {a.parallel} at once, {dt:.1f} s", flush=True)
    detail = ""
    if bad_rc:
        with open(errlog, "rb") as f:
            detail = f"{bad_rc[:5]}; stderr: {f.read()[-600:].decode(errors='replace')!r}"
    check(not bad_rc, f"concurrency: all {a.rounds * a.parallel} parallel deliveries exit 0",
          detail)
    files = verify(maildir, sent, list(sent), "concurrency")
    names = [f["name"].split(":")[0] for f in files]
    check(len(names) == len(set(names)), "concurrency: every file name unique")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mda", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--kill-fraction", type=float, default=0.5)
    ap.add_argument("--parallel", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--n-sieve", type=int, default=300)
    ap.add_argument("--only", choices=["kill", "sieve", "conc"])
    a = ap.parse_args()
    pw = pwd.getpwnam(a.user)
    if a.only in (None, "kill"):
        kill_loop(a, pw)
    if a.only in (None, "sieve"):
        sieve_kill_loop(a, pw)
    if a.only in (None, "conc"):
        concurrent(a, pw)
    mdalib.finish()


if __name__ == "__main__":
    main()
