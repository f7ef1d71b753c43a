#!/usr/bin/python3
"""winnow-mda against procmail and maildrop (issue 7): deliveries per
second into one Maildir with a 20-rule script, one process per message as
an MTA runs them, the same corpus messages, alternating rounds. A fourth
line, "floor", starts /bin/true the same way: the cost of one process per
message that every MDA pays before doing anything.

The three do the same filing: 20 rules, first match wins (Sieve
if/elsif with fileinto; procmail recipes; maildrop `if (...) to`), 11 on
List-Id (the corpus' mailing lists), the rest on From, Subject,
X-Mailer, Content-Type, X-Spam-Flag; no match -> INBOX. All folders are
made before each run (maildrop does not create them). Each delivery
fsyncs: winnow-mda the file and the directory, procmail and maildrop the
file (checked with strace: see RESULTS.md). The count of messages per
folder is printed for each MDA so the filing can be compared.

As root the measuring runs as --user (default nobody) in a child process;
procmail is set-uid root and drops to the caller itself.

  python3 bench/bench-mda.py --mda ./mda/winnow-mda [--limit 250]
      [--rounds 2] [--where disk,tmpfs]
"""
import argparse
import os
import pwd
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

# (folder, header, substring): case-insensitive "header contains".
RULES = [
    ("Fork", "List-Id", "fork.xent.com"),
    ("Rpm", "List-Id", "rpm-zzzlist.freshrpms.net"),
    ("SaTalk", "List-Id", "spamassassin-talk"),
    ("Ilug", "List-Id", "ilug.linux.ie"),
    ("ExmhUsers", "List-Id", "exmh-users"),
    ("Razor", "List-Id", "razor-users"),
    ("ExmhWorkers", "List-Id", "exmh-workers"),
    ("SaDevel", "List-Id", "spamassassin-devel"),
    ("Secprog", "List-Id", "secprog"),
    ("SaCommits", "List-Id", "spamassassin-commits"),
    ("Spambayes", "List-Id", "spambayes"),
    ("Work", "From", "@boss.example.com"),
    ("Invoices", "Subject", "invoice"),
    ("News", "From", "newsletter"),
    ("Junk", "X-Spam-Flag", "yes"),
    ("Junk", "Subject", "viagra"),
    ("Junk", "Subject", "mortgage"),
    ("Money", "Subject", "money"),
    ("Outlook", "X-Mailer", "outlook express"),
    ("Html", "Content-Type", "text/html"),
]
FOLDERS = sorted({r[0] for r in RULES})


def re_escape(s, extra=""):
    """s as a regex matching itself (procmail: '\\/' would be its
    MATCH operator, so '/' is escaped only for maildrop's /.../)."""
    return "".join("\\" + c if c in ".+*?[]()|^$\\" + extra else c for c in s)


def sieve_script():
    out = ['require ["fileinto"];']
    for i, (folder, hdr, sub) in enumerate(RULES):
        kw = "if" if i == 0 else "elsif"
        out.append(f'{kw} header :contains "{hdr}" "{sub}" {{ fileinto "{folder}"; }}')
    return "\n".join(out) + "\n"


def procmailrc(md):
    out = [f"MAILDIR={md}/", "DEFAULT=$MAILDIR", ""]
    for folder, hdr, sub in RULES:
        out += [":0", f"* ^{hdr}:.*{re_escape(sub)}", f".{folder}/", ""]
    return "\n".join(out)


def mailfilter(md):
    out = [f'DEFAULT="{md}/"']
    for folder, hdr, sub in RULES:
        out.append(f"if (/^{hdr}:.*{re_escape(sub, '/')}/)")
        out.append(f'{{\n  to "{md}/.{folder}/"\n}}')
    return "\n".join(out) + "\n"


def make_maildir(md):
    for d in [md] + [os.path.join(md, "." + f) for f in FOLDERS]:
        for s in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(d, s), exist_ok=True)
        if d != md:
            open(os.path.join(d, "maildirfolder"), "w").close()


def count(md):
    out = {}
    for f in ["INBOX"] + FOLDERS:
        d = md if f == "INBOX" else os.path.join(md, "." + f)
        out[f] = sum(len(os.listdir(os.path.join(d, s))) for s in ("new", "cur"))
    return out


def commands(a, base):
    """{name: (argv, maildir)}; writes the three scripts."""
    out = {}
    for name in a.mdas:
        md = os.path.join(base, name, "Maildir")
        os.makedirs(os.path.dirname(md), exist_ok=True)
        if name == "winnow-mda":
            s = os.path.join(base, name, "rules.sieve")
            open(s, "w").write(sieve_script())
            argv = [a.mda, "-m", md, "-f", "bench@example.test", "-s", s]
        elif name == "floor":
            # no MDA: the cost of starting one process per message with
            # the message on stdin, which every MDA pays before its work
            argv = ["/bin/true"]
        elif name == "procmail":
            s = os.path.join(base, name, "procmailrc")
            open(s, "w").write(procmailrc(md))
            argv = ["procmail", s]
        else:
            s = os.path.join(base, name, "mailfilter")
            open(s, "w").write(mailfilter(md))
            os.chmod(s, 0o600)
            argv = ["maildrop", s]
        out[name] = (argv, md)
    return out


def run_one(argv, md, files, env):
    """Delivers every file with one process each; (seconds, CPU seconds,
    failures)."""
    shutil.rmtree(md, ignore_errors=True)
    make_maildir(md)
    os.sync()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    fails = []
    t0 = time.perf_counter()
    for f in files:
        with open(f, "rb") as fh:
            p = subprocess.run(argv, stdin=fh, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
        if p.returncode != 0:
            fails.append((os.path.basename(f), p.returncode, p.stderr[-200:]))
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return dt, cpu, fails


def measure(a, files):
    results = {}  # (where, name) -> [(msgs/s, cpu ms/msg)]
    counts = {}
    env = dict(os.environ, HOME=a.home)
    for where in a.where:
        base = tempfile.mkdtemp(prefix="bench-mda-", dir=a.dirs[where])
        cmds = commands(a, base)
        for name, (argv, md) in cmds.items():  # warm-up (page cache, binaries)
            run_one(argv, md, files[:20], env)
        for r in range(a.rounds):
            names = list(cmds)
            names = names[r % len(names):] + names[:r % len(names)]
            for name in names:
                argv, md = cmds[name]
                dt, cpu, fails = run_one(argv, md, files, env)
                rate = len(files) / dt
                results.setdefault((where, name), []).append((rate, 1000 * cpu / len(files)))
                counts[(where, name)] = count(md)
                print(f"{where:5} round {r + 1} {name:10} {rate:8.1f} msgs/s "
                      f"{1000 * cpu / len(files):6.2f} CPU ms/msg"
                      + (f"  {len(fails)} FAILED, e.g. {fails[0]}" if fails else ""),
                      flush=True)
        shutil.rmtree(base, ignore_errors=True)
    return results, counts


def report(a, results, counts, n):
    print(f"\n{n} messages, one process each, {a.rounds} rounds\n")
    print("| where | MDA | msgs/s (each round) | median msgs/s | CPU ms/msg | vs procmail "
          "(same round) | median ratio |")
    print("|---|---|---|---|---|---|---|")
    for where in a.where:
        base = results.get((where, "procmail"))
        for name in a.mdas:
            rs = results[(where, name)]
            rates = " / ".join(f"{x[0]:.0f}" for x in rs)
            cpus = " / ".join(f"{x[1]:.2f}" for x in rs)
            ratios = [x[0] / b[0] for x, b in zip(rs, base)] if base else []
            ratio = " / ".join(f"{r:.2f}x" for r in ratios) or "-"
            med = statistics.median(x[0] for x in rs)
            mr = f"{statistics.median(ratios):.2f}x" if ratios else "-"
            print(f"| {where} | {name} | {rates} | {med:.0f} | {cpus} | {ratio} | {mr} |")
    print("\nmessages per folder (last round):")
    folders = ["INBOX"] + FOLDERS
    print("| where | MDA | " + " | ".join(folders) + " |")
    print("|---|---|" + "---|" * len(folders))
    for (where, name), c in sorted(counts.items()):
        print(f"| {where} | {name} | " + " | ".join(str(c[f]) for f in folders) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mda", default="./mda/winnow-mda")
    ap.add_argument("--corpus")
    ap.add_argument("--limit", type=int, default=250, help="messages of each folder")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--where", default="disk,tmpfs")
    ap.add_argument("--user", default="nobody")
    ap.add_argument("--mdas", default="winnow-mda,procmail,maildrop,floor")
    a = ap.parse_args()
    a.mda = os.path.abspath(a.mda)
    a.where = a.where.split(",")
    a.mdas = a.mdas.split(",")
    a.dirs = {"disk": "/var/tmp", "tmpfs": "/dev/shm"}
    if not a.corpus:
        here = os.path.dirname(os.path.abspath(__file__))
        a.corpus = subprocess.run(["sh", os.path.join(here, "..", "scripts", "fetch-corpus.sh")],
                                  capture_output=True, text=True, check=True).stdout.strip()
    files = benchlib.corpus_files(a.corpus, ["easy-ham-1", "spam-1"], a.limit)
    files = [f for pair in zip(files[:a.limit], files[a.limit:]) for f in pair]  # ham, spam, ...
    out = subprocess.run(["df", "-h", a.dirs["disk"], a.dirs["tmpfs"]], capture_output=True,
                         text=True).stdout
    print("# " + out.strip().replace("\n", "\n# "))
    if os.getuid() != 0:
        a.home = os.environ.get("HOME", "/tmp")
        report(a, *measure(a, files), len(files))
        return
    pw = pwd.getpwnam(a.user)
    had_spool = os.path.exists("/var/mail/" + pw.pw_name)
    a.home = tempfile.mkdtemp(prefix="bench-mda-home-")
    os.chown(a.home, pw.pw_uid, pw.pw_gid)
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            report(a, *measure(a, files), len(files))
            sys.stdout.flush()
            os._exit(0)
        except BaseException as e:  # noqa: B036 - report anything, then leave the child
            print(f"bench-mda: {e!r}", file=sys.stderr)
            os._exit(1)
    _, st = os.waitpid(pid, 0)
    shutil.rmtree(a.home, ignore_errors=True)
    if not had_spool:  # procmail makes the user's empty system mailbox
        try:
            os.unlink("/var/mail/" + pw.pw_name)
        except OSError:
            pass
    sys.exit(os.waitstatus_to_exitcode(st))


if __name__ == "__main__":
    main()
