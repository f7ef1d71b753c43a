#!/usr/bin/python3
"""Postfix with filterd as its milter against Postfix with no milter.

Two private Postfix instances on loopback (tests/integration/postfix-
instance.sh), the same messages through each in the same run: real mail
from the SpamAssassin public corpus (easy-ham-1 and spam-1), padded or cut
to about 10 KB each, sent with Python's smtplib by CLIENTS parallel
clients, each on its own connection per message. filterd runs Winnow's
default rules unless --rules says otherwise; reject_score is off, so
every message is accepted and delivered. Reports messages per second
accepted by Postfix (wall clock over all messages) and the SMTP
transaction time per message (connect to QUIT) at p50 and p99, and the
cost of the milter: throughput lost, and added latency. Needs root.
Not a test: run it by hand and copy the table to RESULTS.md.
"""
import argparse
import os
import shutil
import signal
import socket
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import corpus_files, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def ten_kb(data):
    """About 10 KB: cut, or padded with a plain-text paragraph."""
    if len(data) >= 10240:
        return data[:10240]
    pad = b'\n' + b'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n' * 200
    return (data + pad)[:10240]


def send_all(port, msgs, clients):
    lat = []
    lock = threading.Lock()
    todo = list(enumerate(msgs))
    errors = []

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                _, m = todo.pop()
            t0 = time.perf_counter()
            try:
                s = smtplib.SMTP('127.0.0.1', port, timeout=60)
                s.sendmail('alice@example.test', ['bob@virt.test'], m)
                s.quit()
            except (smtplib.SMTPException, OSError) as e:
                errors.append(str(e))
                continue
            with lock:
                lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    th = [threading.Thread(target=worker) for _ in range(clients)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    return time.perf_counter() - t0, sorted(lat), errors


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))] * 1000 if v else float('nan')


class Instance:
    """A private Postfix on loopback, with or without a milter."""

    def __init__(self, milter):
        self.dir = tempfile.mkdtemp(prefix='bench-postfix.')
        self.port = free_port()
        subprocess.run(['sh', os.path.join(TOP, 'tests/integration/postfix-instance.sh'),
                        self.dir, str(self.port), milter], check=True)
        if not wait_port(self.port):
            self.stop()
            sys.exit('bench: postfix did not listen')
        self.wall, self.lat, self.errors = 0.0, [], []

    def send(self, msgs, clients):
        wall, lat, errors = send_all(self.port, msgs, clients)
        self.wall += wall
        self.lat += lat
        self.errors += errors

    def stop(self):
        subprocess.run(['postfix', '-c', os.path.join(self.dir, 'postfix/etc'), 'stop'],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def compare(milter, msgs, clients, rounds):
    """Both instances up at once; the messages go in rounds, alternating
    which instance goes first, so drift in the machine's speed falls on
    both alike. Returns (without, with) as (wall, sorted latencies,
    errors)."""
    bare, filt = Instance(''), Instance(milter)
    try:
        for inst in (bare, filt):
            send_all(inst.port, msgs[:10], clients)     # warm up
        step = (len(msgs) + rounds - 1) // rounds
        for r in range(rounds):
            chunk = msgs[r * step:(r + 1) * step]
            order = (bare, filt) if r % 2 == 0 else (filt, bare)
            for inst in order:
                inst.send(chunk, clients)
        return [(i.wall, sorted(i.lat), i.errors) for i in (bare, filt)]
    finally:
        bare.stop()
        filt.stop()


def cpu_seconds(pid):
    """user + system CPU seconds of a live process."""
    f = open('/proc/%d/stat' % pid).read()
    fields = f[f.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def null_milter():
    """Builds bench/null-milter.c into a temporary directory."""
    out = os.path.join(tempfile.mkdtemp(prefix='bench-null.'), 'null-milter')
    subprocess.run(['cc', '-O2', '-Wall', '-Wextra', '-o', out,
                    os.path.join(HERE, 'null-milter.c'), '-lmilter', '-pthread'], check=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--filterd', default='./filterd/filterd')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--count', type=int, default=500, help='messages (half ham, half spam)')
    ap.add_argument('--clients', type=int, default=4)
    ap.add_argument('--rules', default='default')
    ap.add_argument('--unix', action='store_true', help='milter on a unix socket, not TCP')
    ap.add_argument('--rounds', type=int, default=6,
                    help='alternate the two instances this many times')
    ap.add_argument('--null', action='store_true',
                    help='bench/null-milter.c (no scan at all) instead of filterd: '
                    'the floor of any libmilter filter; implies --unix')
    a = ap.parse_args()
    if a.null:
        a.unix = True

    msgs = [ten_kb(open(f, 'rb').read())
            for f in corpus_files(a.corpus, ('easy-ham-1', 'spam-1'), a.count // 2)]

    mport = free_port()
    sock = tempfile.mktemp(prefix='bench-milter.', suffix='.sock')
    listen = 'unix:' + sock if a.unix else 'inet:%d@127.0.0.1' % mport
    if a.null:
        cmd = [null_milter(), listen]
    else:
        cmd = [a.filterd, '-f', '-o', 'spamd_listen=', '-o', 'milter_listen=' + listen,
               '-o', 'rules_dir=' + a.rules, '-o', 'use_bayes=no']
    fd = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if a.unix:
            for _ in range(300):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            os.chmod(sock, 0o666)
        elif not wait_port(mport):
            sys.exit('bench: filterd did not listen')
        spec = 'unix:' + sock if a.unix else 'inet:127.0.0.1:%d' % mport
        without, with_m = compare(spec, msgs, a.clients, a.rounds)
        fd_cpu = cpu_seconds(fd.pid)
    finally:
        fd.send_signal(signal.SIGTERM)
        fd.wait(30)

    n = len(msgs)
    name = 'null-milter' if a.null else 'filterd'
    print('messages: %d of about 10 KB, %d parallel clients, %s, '
          '%d alternating rounds' % (n, a.clients,
                                     name if a.null else 'filterd rules: ' + a.rules, a.rounds))
    print('| postfix | msgs/s | p50 ms | p99 ms | errors |')
    print('|---|---|---|---|---|')
    for what, (wall, lat, err) in (('no milter', without), (name, with_m)):
        print('| %s | %.0f | %.1f | %.1f | %d |' % (what, n / wall, pct(lat, 0.5),
                                                   pct(lat, 0.99), len(err)))
    print('throughput cost of %s: %.1f%%; added latency p50 %.1f ms, p99 %.1f ms'
          % (name, 100 * (1 - (n / with_m[0]) / (n / without[0])),
             pct(with_m[1], 0.5) - pct(without[1], 0.5),
             pct(with_m[1], 0.99) - pct(without[1], 0.99)))
    print('%s CPU: %.2f ms a message (start-up and warm-up included)'
          % (name, 1000 * fd_cpu / (n + 10)))


if __name__ == '__main__':
    main()
