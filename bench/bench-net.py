#!/usr/bin/python3
"""Network checks on: filterd against SpamAssassin's spamd, both behind
the real spamc, both asking the same DNS server through the same delay.

A private unbound on loopback answers every name (local-zone "." static:
NXDOMAIN or NODATA, as for a sender without SPF or an IP not listed), so
every DNSBL, URIBL, SPF and DKIM lookup of the stock rules really goes
out and comes back; a UDP relay in this script sits in front of it and
holds each query --delay ms (default 20), like a resolver a few hops
away. Same messages (easy-ham-1 and spam-1), the stock ruleset, Bayes and
AWL off, alternating rounds:
  filterd -o use_network=yes -o dns_forward=127.0.0.1@RELAY
  spamd (no -L) with dns_server 127.0.0.1:RELAY, dns_available yes
  filterd -o use_network=no (the same daemon without the network step)
Per message: wall time of `spamc -c` (p50, p99), messages per second, the
daemon's CPU seconds. A message asks for tens of names; if they went out
one after another each would cost several round trips of --delay.
Needs root, spamc, spamd and unbound (scripts/install-deps.sh). Not a
test: run it by hand and copy the table to RESULTS.md.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import corpus_files, free_port
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util
_spec = importlib.util.spec_from_file_location(
    'bench_spamd', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bench-spamd.py'))
bench_spamd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_spamd)


def start_unbound(d, port):
    conf = os.path.join(d, 'unbound.conf')
    with open(conf, 'w') as f:
        f.write('server:\n  interface: 127.0.0.1@%d\n  port: %d\n  do-ip6: no\n'
                '  do-daemonize: no\n  username: ""\n  chroot: ""\n  directory: "%s"\n'
                '  pidfile: ""\n  use-syslog: no\n  verbosity: 0\n  num-threads: 1\n'
                '  module-config: "iterator"\n  access-control: 127.0.0.0/8 allow\n'
                '  local-zone: "." static\n' % (port, port, d))
    p = subprocess.Popen(['unbound', '-d', '-c', conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return p


class Relay:
    """UDP relay: each query is held delay seconds, then sent on; answers
    come straight back. Counts the queries."""

    def __init__(self, upstream, delay):
        self.up = ('127.0.0.1', upstream)
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.loop, daemon=True).start()

    def forward(self, data, client):
        time.sleep(self.delay)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        try:
            s.sendto(data, self.up)
            ans, _ = s.recvfrom(65535)
            self.sock.sendto(ans, client)
        except OSError:
            pass
        finally:
            s.close()

    def loop(self):
        while True:
            data, client = self.sock.recvfrom(65535)
            with self.lock:
                self.queries += 1
            threading.Thread(target=self.forward, args=(data, client), daemon=True).start()


class Timed(bench_spamd.Daemon):
    """A daemon whose per-message spamc times are kept."""

    def __init__(self, *args):
        super().__init__(*args)
        self.times = []

    def serve(self, files):
        c0 = bench_spamd.cpu_of_tree(self.proc.pid)
        for f in files:
            t0 = time.time()
            with open(f, 'rb') as inp:
                r = subprocess.run(['spamc', '-d', '127.0.0.1', '-p', str(self.port), '-c',
                                    '-s', '20000000'], stdin=inp, capture_output=True)
            self.times.append(time.time() - t0)
            self.spam += r.returncode == 1
        self.cpu += bench_spamd.cpu_of_tree(self.proc.pid) - c0
        self.wall += sum(self.times[-len(files):])


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


def spamd_site(dns_port):
    site = tempfile.mkdtemp(prefix='bench-net-sa.')
    os.chmod(site, 0o755)
    for f in os.listdir('/etc/spamassassin'):
        p = os.path.join('/etc/spamassassin', f)
        if os.path.isfile(p):
            shutil.copy(p, site)
    with open(os.path.join(site, 'zz_bench.cf'), 'w') as cf:
        cf.write('use_bayes 0\nbayes_auto_learn 0\nuse_auto_whitelist 0\n'
                 'dns_server 127.0.0.1:%d\ndns_available yes\n' % dns_port)
    return site


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--filterd', default='./filterd/filterd')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--limit', type=int, default=50, help='messages per folder')
    ap.add_argument('--warm', type=int, default=10)
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--delay', type=float, default=20, help='ms added to every DNS query')
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    a = ap.parse_args()

    files = corpus_files(a.corpus, a.folders.split(','), a.limit)
    more = corpus_files(a.corpus, a.folders.split(','), a.limit + a.warm)
    warm = [f for f in more if f not in set(files)]
    tmp = tempfile.mkdtemp(prefix='bench-net.')
    ub = start_unbound(tmp, free_port())
    ub_port = int(open(os.path.join(tmp, 'unbound.conf')).read().split('port: ')[1].split()[0])
    relay = Relay(ub_port, a.delay / 1000.0)
    site = spamd_site(relay.port)
    p1, p2, p3 = free_port(), free_port(), free_port()
    common = [a.filterd, '-f', '-o', 'milter_listen=', '-o', 'rules_dir=' + a.rules,
              '-o', 'use_bayes=no', '-o', 'db_path=' + os.path.join(tmp, 'w.db')]
    fd = Timed('filterd, network on', common + [
        '-o', 'spamd_listen=127.0.0.1:%d' % p1, '-o', 'use_network=yes',
        '-o', 'dns_forward=127.0.0.1@%d' % relay.port], p1)
    sd = Timed('spamd, network on', ['spamd', '-x', '--listen=127.0.0.1:%d' % p2,
                                     '--max-children=1', '--min-children=1', '-u', 'nobody',
                                     '--siteconfigpath=' + site], p2)
    nd = Timed('filterd, network off', common + [
        '-o', 'spamd_listen=127.0.0.1:%d' % p3, '-o', 'use_network=no'], p3)
    try:
        bench_spamd.compare([fd, sd, nd], files, warm, a.rounds)
    finally:
        ub.terminate()
        shutil.rmtree(site)
        shutil.rmtree(tmp)
    n = len(files)
    print('messages: %d (%s, first %d of each), %d rounds, DNS delay %.0f ms, '
          '%d queries through the relay' % (n, a.folders, a.limit, a.rounds, a.delay,
                                            relay.queries))
    print('| daemon | msgs/s (spamc, one at a time) | p50 ms | p99 ms | daemon CPU s |')
    print('|---|---|---|---|---|')
    for d in (fd, sd, nd):
        print('| %s | %.1f | %.1f | %.1f | %.2f |'
              % (d.name, n / d.wall, pct(d.times, 0.5) * 1000, pct(d.times, 0.99) * 1000,
                 d.cpu))
    print('ratio filterd/spamd with network: %.1fx msgs/s, p99 %.1fx lower'
          % (sd.wall / fd.wall, pct(sd.times, 0.99) / pct(fd.times, 0.99)))


if __name__ == '__main__':
    main()
