#!/usr/bin/python3
"""filterd against SpamAssassin's spamd, both behind the real spamc.

Same messages (SpamAssassin public corpus, easy-ham-1 and spam-1 by
default), same stock ruleset, network tests and Bayes off, same run:
  filterd -f -o milter_listen= -o spamd_listen=127.0.0.1:P1 \\
          -o rules_dir=/usr/share/spamassassin
  spamd -L -x --listen 127.0.0.1:P2 --max-children 1 (Bayes and AWL off)
Each message goes through `spamc -c` one at a time; the daemons stay
up and the messages go in rounds alternating between them (--rounds), so
the machine's drift in speed falls on both alike. Reports, for each
daemon, messages per second as spamc sees them (wall clock, client
start-up included) and the daemon's own CPU seconds per message (its
process and its children, from /proc), and the ratios. Needs root (spamd
switches user), spamc and spamd (scripts/install-deps.sh; spamd is Debian's
package "spamd"). Not a test: run it by hand and copy the table to
RESULTS.md. A third daemon, filterd with no rules, measures the floor
of spamc's own start-up and the protocol, hence the highest ratio any
daemon could show through spamc.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from benchlib import corpus_files, free_port


def cpu_of_tree(pid):
    """user+system seconds of pid, its live children and those it reaped."""
    tick = os.sysconf('SC_CLK_TCK')
    total = 0
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            f = open('/proc/%s/stat' % d).read()
        except OSError:
            continue
        fields = f[f.rindex(')') + 2:].split()
        ppid, ut, st = int(fields[1]), int(fields[11]), int(fields[12])
        if int(d) == pid:
            # and the children it has reaped (spamd recycles its own)
            total += ut + st + int(fields[13]) + int(fields[14])
        elif ppid == pid:
            total += ut + st
    return total / tick


def wait_ping(port, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        r = subprocess.run(['spamc', '-d', '127.0.0.1', '-p', str(port), '-K'],
                           capture_output=True)
        if r.returncode == 0:
            return True
        time.sleep(0.2)
    return False


def run_spamc(port, files):
    spam = 0
    t0 = time.time()
    for f in files:
        with open(f, 'rb') as inp:
            r = subprocess.run(['spamc', '-d', '127.0.0.1', '-p', str(port), '-c',
                                '-s', '20000000'], stdin=inp, capture_output=True)
        spam += r.returncode == 1
    return time.time() - t0, spam


class Daemon:
    """A spamd-protocol daemon under test, its CPU and wall time summed
    over the rounds it served."""

    def __init__(self, name, cmd, port):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.wall = self.cpu = 0.0
        self.spam = 0

    def ready(self, warm):
        if not wait_ping(self.port):
            sys.exit('bench: %s did not answer spamc' % self.name)
        run_spamc(self.port, warm)      # warm up (JIT, first-use caches)

    def serve(self, files):
        c0 = cpu_of_tree(self.proc.pid)
        wall, spam = run_spamc(self.port, files)
        self.cpu += cpu_of_tree(self.proc.pid) - c0
        self.wall += wall
        self.spam += spam

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def compare(daemons, files, warm, rounds):
    """Both daemons up at once; the messages go in rounds, alternating
    which daemon goes first, so drift in the machine's speed (large on
    a shared VM) falls on both alike."""
    try:
        for d in daemons:
            d.ready(warm)
        step = (len(files) + rounds - 1) // rounds
        for r in range(rounds):
            chunk = files[r * step:(r + 1) * step]
            for d in (daemons if r % 2 == 0 else daemons[::-1]):
                d.serve(chunk)
    finally:
        for d in daemons:
            d.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--filterd', default='./filterd/filterd')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--limit', type=int, default=100, help='messages per folder')
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    ap.add_argument('--warm', type=int, default=50,
                    help='warm-up messages per folder, not among those measured')
    ap.add_argument('--rounds', type=int, default=10,
                    help='alternate the two daemons this many times')
    a = ap.parse_args()

    files = corpus_files(a.corpus, a.folders.split(','), a.limit)
    # warm-up: the messages after the measured ones in each folder, so
    # that both daemons are measured in their steady state (filterd
    # JIT-compiles a regex the first time it runs)
    more = corpus_files(a.corpus, a.folders.split(','), a.limit + a.warm)
    warm = [f for f in more if f not in set(files)]
    n = len(files)

    site = tempfile.mkdtemp(prefix='bench-spamd.')
    os.chmod(site, 0o755)
    for f in os.listdir('/etc/spamassassin'):
        p = os.path.join('/etc/spamassassin', f)
        if os.path.isfile(p):
            shutil.copy(p, site)
    with open(os.path.join(site, 'zz_bench.cf'), 'w') as cf:
        cf.write('use_bayes 0\nbayes_auto_learn 0\nuse_auto_whitelist 0\n')

    empty = tempfile.mkdtemp(prefix='bench-norules.')
    p1, p2, p3 = free_port(), free_port(), free_port()
    fd = Daemon('filterd', [a.filterd, '-f', '-o', 'milter_listen=',
                            '-o', 'spamd_listen=127.0.0.1:%d' % p1,
                            '-o', 'rules_dir=' + a.rules, '-o', 'use_bayes=no'], p1)
    sd = Daemon('spamd', ['spamd', '-L', '-x', '--listen=127.0.0.1:%d' % p2,
                          '--max-children=1', '--min-children=1', '-u', 'nobody',
                          '--siteconfigpath=' + site], p2)
    # the floor: filterd with no rules at all, so what spamc sees is
    # spamc's own start-up and the protocol; no daemon can go below it
    nd = Daemon('filterd, no rules', [a.filterd, '-f', '-o', 'milter_listen=',
                                      '-o', 'spamd_listen=127.0.0.1:%d' % p3,
                                      '-o', 'rules_dir=' + empty, '-o', 'use_bayes=no'], p3)
    compare([fd, sd, nd], files, warm, a.rounds)
    shutil.rmtree(site)
    shutil.rmtree(empty)
    print('messages: %d (%s, first %d of each), %d alternating rounds, '
          '%d warm-up messages' % (n, a.folders, a.limit, a.rounds, len(warm)))
    print('| daemon | spam found | wall s (spamc) | msgs/s via spamc | daemon CPU s | msgs/s per daemon CPU s |')
    print('|---|---|---|---|---|---|')
    for d in (fd, sd, nd):
        print('| %s | %d | %.1f | %.1f | %.2f | %.0f |'
              % (d.name, d.spam, d.wall, n / d.wall, d.cpu, n / max(d.cpu, 1e-9)))
    print('ratio filterd/spamd: %.1fx msgs/s via spamc, %.1fx per daemon CPU second'
          % (sd.wall / fd.wall, sd.cpu / max(fd.cpu, 1e-9)))
    print('ceiling via spamc (spamd against a daemon with no rules): %.1fx'
          % (sd.wall / nd.wall))


if __name__ == '__main__':
    main()
