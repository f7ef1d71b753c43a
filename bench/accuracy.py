#!/usr/bin/python3
"""Accuracy of a ruleset on the SpamAssassin public corpus.

Runs `winnow check --json` over each folder and reports, per folder, how
many messages were judged spam. Ham folders (names with "ham") give the
false-positive rate, spam folders the detection rate. easy-ham-1 and
spam-1 are the tuning folders; easy-ham-2, hard-ham-1 and spam-2 are kept
for independent evaluation and are the figures that count. With --sa, the
same messages also go through `spamassassin -L` with its stock rules for
a side-by-side (slow: about 10 messages a second).
Not a test: run it by hand and copy the table to RESULTS.md.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

FOLDERS = 'easy-ham-1,spam-1,easy-ham-2,hard-ham-1,spam-2'


def winnow_verdicts(winnow, files, rules, batch=500):
    spam = 0
    for i in range(0, len(files), batch):
        cmd = [winnow, 'check', '--json', '-o', 'use_bayes=no']
        if rules:
            cmd += ['-o', 'rules_dir=' + rules]
        out = subprocess.run(cmd + files[i:i + batch], capture_output=True)
        if out.returncode > 1:
            sys.exit('accuracy: winnow failed: ' + out.stderr.decode()[-1000:])
        for line in out.stdout.decode().splitlines():
            spam += json.loads(line)['verdict'] == 'spam'
    return spam


def sa_verdicts(files):
    with tempfile.NamedTemporaryFile('wb', suffix='.mbox', delete=False) as mb:
        for f in files:
            data = open(f, 'rb').read()
            if data.startswith(b'From '):
                data = data.split(b'\n', 1)[1]
            data = re.sub(rb'^From ', b'>From ', data, flags=re.M)
            mb.write(b'From accuracy@localhost Thu Jan  1 00:00:00 1970\n')
            mb.write(data.rstrip(b'\n') + b'\n\n')
    cmd = ['spamassassin', '-L', '--mbox', '--cf=use_bayes 0',
           '--cf=use_auto_whitelist 0']
    with open(mb.name, 'rb') as inp:
        out = subprocess.run(cmd, stdin=inp, capture_output=True).stdout
    os.unlink(mb.name)
    return len(re.findall(rb'^X-Spam-Flag: YES', out, re.M))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--winnow', default='./winnow')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--folders', default=FOLDERS)
    ap.add_argument('--rules', default='', help='rules_dir (default: Winnow\'s)')
    ap.add_argument('--sa', action='store_true', help='also run spamassassin -L')
    a = ap.parse_args()
    print('| folder | kind | messages | winnow spam | winnow rate |%s'
          % (' SA -L spam | SA rate |' if a.sa else ''))
    print('|---|---|---|---|---|%s' % ('---|---|' if a.sa else ''))
    for folder in a.folders.split(','):
        d = os.path.join(a.corpus, folder)
        files = sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith('.txt'))
        kind = 'ham (false positives)' if 'ham' in folder else 'spam (detected)'
        w = winnow_verdicts(a.winnow, files, a.rules)
        row = '| %s | %s | %d | %d | %.1f%% |' % (folder, kind, len(files), w,
                                                100.0 * w / len(files))
        if a.sa:
            s = sa_verdicts(files)
            row += ' %d | %.1f%% |' % (s, 100.0 * s / len(files))
        print(row)
        sys.stdout.flush()


if __name__ == '__main__':
    main()
