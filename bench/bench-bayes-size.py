#!/usr/bin/python3
"""Does a big Bayes database classify as fast as a small one?

Learns the learning half of bench-bayes.py's split (easy-ham-1 + spam-1)
with `winnow learn`, then times `winnow check --json` (no rules, Bayes
only) over the test half, several rounds; then fills the same database
with random tokens up to --tokens (1 million by default: what a busy
site's store holds before expiry) and times the same classification
again, alternating the two databases round by round. The filler tokens
go straight into the token table with Python's sqlite3 (its layout is
db/db_sqlite.c's schema; a bench shortcut, not an interface), each
seen once as spam or ham. Reports messages per second for both and the
ratio, and checks that the probabilities did not move more than the
filler can explain. Not a test: run it by hand from the build directory.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import corpus_files  # noqa: E402


def learns(path, pct):
    h = hashlib.sha1(os.path.basename(path).encode()).digest()
    return int.from_bytes(h[:4], 'big') % 100 < pct


def classify(winnow, db, rules, files, jobs):
    t0 = time.perf_counter()
    out = subprocess.run([winnow, 'check', '--json', '-j', str(jobs), '-c', '/dev/null',
                          '-o', 'db_path=' + db, '-o', 'rules_dir=' + rules] + files,
                         capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    probs = [json.loads(line)['bayes'] for line in out.splitlines()]
    if len(probs) != len(files):
        sys.exit('bench: winnow check gave %d results for %d messages' % (len(probs), len(files)))
    return wall, probs


def fill(db, want):
    """Adds random tokens until the table holds want."""
    con = sqlite3.connect(db)
    have = con.execute('SELECT count(*) FROM bayes_tokens').fetchone()[0]
    day = int(time.time() // 86400)
    rnd = random.Random(1)
    spam = (rnd.randint(0, 1) for _ in range(max(0, want - have)))
    rows = ((rnd.getrandbits(64) - (1 << 63), s, 1 - s, day) for s in spam)
    con.executemany('INSERT OR IGNORE INTO bayes_tokens (h, spam, ham, atime) '
                    'VALUES (?, ?, ?, ?)', rows)
    con.commit()
    n = con.execute('SELECT count(*) FROM bayes_tokens').fetchone()[0]
    con.close()
    return have, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--winnow', default='./winnow')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--tokens', type=int, default=1000000)
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--jobs', type=int, default=1, help='winnow check -j')
    a = ap.parse_args()

    files = corpus_files(a.corpus, ('easy-ham-1', 'spam-1'))
    train_s = [f for f in files if '/spam-1/' in f and learns(f, 70)]
    train_h = [f for f in files if '/easy-ham-1/' in f and learns(f, 70)]
    test = [f for f in files if not learns(f, 70)]
    work = tempfile.mkdtemp(prefix='bench-bayes-size.')
    rules = os.path.join(work, 'rules')
    os.mkdir(rules)
    small = os.path.join(work, 'small.db')
    for flag, fs in (('--spam', train_s), ('--ham', train_h)):
        subprocess.run([a.winnow, 'learn', '-c', '/dev/null', '-o', 'db_path=' + small, flag] + fs,
                       check=True, capture_output=True)
    big = os.path.join(work, 'big.db')
    shutil.copy(small, big)
    before, after = fill(big, a.tokens)
    walls = {small: [], big: []}
    probs = {}
    for r in range(a.rounds):
        for db in ((small, big) if r % 2 == 0 else (big, small)):
            wall, probs[db] = classify(a.winnow, db, rules, test, a.jobs)
            walls[db].append(wall)
    moved = max(abs((p or 0.5) - (q or 0.5)) for p, q in zip(probs[small], probs[big]))
    n = len(test)
    print('learned %d messages (%d tokens); big store filled to %d tokens (%.0f MB); '
          '%d messages classified, -j %d, best of %d rounds'
          % (len(train_s) + len(train_h), before, after,
             os.path.getsize(big) / 1e6, n, a.jobs, a.rounds))
    print('| store | tokens | best s | msgs/s |')
    print('|---|---|---|---|')
    for name, db, tok in (('small', small, before), ('big', big, after)):
        print('| %s | %d | %.3f | %.0f |' % (name, tok, min(walls[db]), n / min(walls[db])))
    print('big / small speed: %.2f; largest change of a probability: %.4f'
          % (min(walls[small]) / min(walls[big]), moved))
    shutil.rmtree(work)


if __name__ == '__main__':
    main()
