#!/usr/bin/python3
"""Which model on Winnow's Bayes tokens: chi-square (what Winnow ships) or
an online logistic regression over the same tokens?

Same deterministic split as bench-bayes.py (easy-ham-1 + spam-1 only,
sha1(file name) % 100 < 70 learns, the rest is tested). Tokens come from
`winnow bayes tokens` (the tokenizer filterd uses). The chi-square side
is Winnow itself: `winnow learn` on the learning set, `winnow check
--json` on the test set. The logistic regression is trained here with
stochastic gradient descent, one pass per epoch over the learning set
in a fixed shuffled order, binary features (token present), L2
regularisation, class-balanced weights; it is what an online learner
inside `winnow learn` would compute. Reports FP/FN/unsure at the same
cutoffs as bench-bayes.py (0.1 / 0.9) and ROC AUC for each.
Not a test: run it by hand from the build directory.
"""
import argparse
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import corpus_files  # noqa: E402


def learns(path, pct, salt=''):
    """bench-bayes.py's split (another one with a salt)."""
    h = hashlib.sha1((salt + os.path.basename(path)).encode()).digest()
    return int.from_bytes(h[:4], 'big') % 100 < pct


def tokens_of(winnow, files):
    """{file: set of tokens} from `winnow bayes tokens` (no database)."""
    out = subprocess.run([winnow, 'bayes', 'tokens', '-c', '/dev/null',
                          '-o', 'db_path=/nonexistent/none.db'] + files,
                         capture_output=True, check=True).stdout
    out = out.decode('utf-8', 'surrogateescape')   # tokens are bytes
    toks, cur = {}, None
    for line in out.splitlines():
        if not line.startswith(' '):       # "NAME: N tokens"
            cur = line.rsplit(': ', 1)[0]
            toks[cur] = set()
        else:                              # "spam ham f(w) TOKEN"
            parts = line.split(None, 3)
            toks[cur].add(parts[3] if len(parts) == 4 else '')
    return toks


def auc(scored):
    """Mann-Whitney U over (score, is_spam), ties half."""
    pos = sorted(s for s, y in scored if y)
    neg = sorted(s for s, y in scored if not y)
    if not pos or not neg:
        return float('nan')
    wins, j, k = 0.0, 0, 0
    for p in pos:
        while j < len(neg) and neg[j] < p:
            j += 1
        k = j
        while k < len(neg) and neg[k] == p:
            k += 1
        wins += j + (k - j) / 2.0
    return wins / (len(pos) * len(neg))


def report(name, scored, lo, hi):
    fp = sum(1 for s, y in scored if not y and s >= hi)
    fn = sum(1 for s, y in scored if y and s <= lo)
    un = sum(1 for s, y in scored if lo < s < hi)
    n = len(scored)
    print('| %s | %d | %d | %d (%.2f%%) | %.6f |' % (name, fp, fn, un, 100.0 * un / n,
                                                    auc(scored)))


def train_lr(train, epochs, rate, l2, seed):
    """SGD logistic regression; train = [(tokens, y)]. Returns (w, b)."""
    w, b = {}, 0.0
    n_spam = sum(1 for _, y in train if y)
    cw = {1: len(train) / (2.0 * n_spam), 0: len(train) / (2.0 * (len(train) - n_spam))}
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    for _ in range(epochs):
        for i in order:
            toks, y = train[i]
            z = b + sum(w.get(t, 0.0) for t in toks)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * cw[y] * rate
            for t in toks:
                wt = w.get(t, 0.0)
                w[t] = wt - g - rate * l2 * wt
            b -= g
    return w, b


def lr_score(model, toks):
    w, b = model
    z = b + sum(w.get(t, 0.0) for t in toks)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def chi2_scores(winnow, train_spam, train_ham, test):
    d = tempfile.mkdtemp(prefix='explore.')
    db = os.path.join(d, 'w.db')
    empty = os.path.join(d, 'rules')
    os.mkdir(empty)
    for flag, files in (('--spam', train_spam), ('--ham', train_ham)):
        subprocess.run([winnow, 'learn', '-c', '/dev/null', '-o', 'db_path=' + db, flag] + files,
                       check=True, capture_output=True)
    out = subprocess.run([winnow, 'check', '--json', '-c', '/dev/null', '-o', 'db_path=' + db,
                          '-o', 'rules_dir=' + empty, '-o', 'bayes_min_spam_num=1',
                          '-o', 'bayes_min_ham_num=1'] + [f for f, _ in test],
                         capture_output=True, text=True).stdout
    p = {}
    for line in out.splitlines():
        o = json.loads(line)
        p[o['file']] = 0.5 if o['bayes'] is None else o['bayes']
    return [(p[f], y) for f, y in test]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--winnow', default='./winnow')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--train-pct', type=int, default=70)
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--rate', type=float, default=0.05)
    ap.add_argument('--l2', type=float, default=1e-4)
    ap.add_argument('--salt', default='', help='another split of the same folders')
    a = ap.parse_args()

    ham = corpus_files(a.corpus, ('easy-ham-1',), 100000)
    spam = corpus_files(a.corpus, ('spam-1',), 100000)
    tr_s = [f for f in spam if learns(f, a.train_pct, a.salt)]
    tr_h = [f for f in ham if learns(f, a.train_pct, a.salt)]
    test = [(f, 0) for f in ham if not learns(f, a.train_pct, a.salt)] + \
           [(f, 1) for f in spam if not learns(f, a.train_pct, a.salt)]
    toks = tokens_of(a.winnow, tr_s + tr_h + [f for f, _ in test])
    print('learned %d spam + %d ham, tested %d; cutoffs 0.1 / 0.9' % (len(tr_s), len(tr_h),
                                                                    len(test)))
    print('| model | FP | FN | unsure | ROC AUC |')
    print('|---|---|---|---|---|')
    report('chi-square (winnow)', chi2_scores(a.winnow, tr_s, tr_h, test), 0.1, 0.9)
    train = [(toks[f], 1) for f in tr_s] + [(toks[f], 0) for f in tr_h]
    for epochs in sorted({1, a.epochs}):
        model = train_lr(train, epochs, a.rate, a.l2, 1)
        report('logistic regression, %d epoch%s' % (epochs, 's' if epochs > 1 else ''),
               [(lr_score(model, toks[f]), y) for f, y in test], 0.1, 0.9)


if __name__ == '__main__':
    main()
