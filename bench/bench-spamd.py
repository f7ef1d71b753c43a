#!/usr/bin/python3
"""filterd against SpamAssassin's spamd, both behind the real spamc.

Same messages (SpamAssassin public corpus, easy-ham-1 and spam-1 by
default), same stock ruleset, network tests and Bayes off, one after the
other in the same run:
  filterd -f -o milter_listen= -o spamd_listen=127.0.0.1:P1 \\
          -o rules_dir=/usr/share/spamassassin
  spamd -L -x --listen 127.0.0.1:P2 --max-children 1 (Bayes and AWL off)
Each message goes through `spamc -c` one at a time. Reports, for each
daemon, messages per second as spamc sees them (wall clock, client
start-up included) and the daemon's own CPU seconds per message (its
process and its children, from /proc), and the ratios. Needs root (spamd
switches user), spamc and spamd (scripts/install-deps.sh; spamd is Debian's
package "spamd"). Not a test: run it by hand and copy the table to
RESULTS.md.
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


def measure(name, cmd, port, files, env=None):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    try:
        if not wait_ping(port):
            sys.exit('bench: %s did not answer spamc' % name)
        run_spamc(port, files[:5])      # warm up (JIT, first-use caches)
        c0 = cpu_of_tree(proc.pid)
        wall, spam = run_spamc(port, files)
        cpu = cpu_of_tree(proc.pid) - c0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return wall, cpu, spam


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--filterd', default='./filterd/filterd')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--limit', type=int, default=100, help='messages per folder')
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    a = ap.parse_args()

    files = corpus_files(a.corpus, a.folders.split(','), a.limit)
    n = len(files)

    site = tempfile.mkdtemp(prefix='bench-spamd.')
    os.chmod(site, 0o755)
    for f in os.listdir('/etc/spamassassin'):
        p = os.path.join('/etc/spamassassin', f)
        if os.path.isfile(p):
            shutil.copy(p, site)
    with open(os.path.join(site, 'zz_bench.cf'), 'w') as cf:
        cf.write('use_bayes 0\nbayes_auto_learn 0\nuse_auto_whitelist 0\n')

    p1, p2 = free_port(), free_port()
    fw = measure('filterd', [a.filterd, '-f', '-o', 'milter_listen=',
                             '-o', 'spamd_listen=127.0.0.1:%d' % p1,
                             '-o', 'rules_dir=' + a.rules], p1, files)
    sw = measure('spamd', ['spamd', '-L', '-x', '--listen=127.0.0.1:%d' % p2,
                           '--max-children=1', '--min-children=1', '-u', 'nobody',
                           '--siteconfigpath=' + site], p2, files)
    shutil.rmtree(site)
    print('messages: %d (%s, first %d of each)' % (n, a.folders, a.limit))
    print('| daemon | spam found | wall s (spamc) | msgs/s via spamc | daemon CPU s | msgs/s per daemon CPU s |')
    print('|---|---|---|---|---|---|')
    for name, (wall, cpu, spam) in (('filterd', fw), ('spamd', sw)):
        print('| %s | %d | %.1f | %.1f | %.2f | %.0f |'
              % (name, spam, wall, n / wall, cpu, n / max(cpu, 1e-9)))
    print('ratio filterd/spamd: %.1fx msgs/s via spamc, %.1fx per daemon CPU second'
          % ((n / fw[0]) / (n / sw[0]), (n / max(fw[1], 1e-9)) / (n / max(sw[1], 1e-9))))


if __name__ == '__main__':
    main()
