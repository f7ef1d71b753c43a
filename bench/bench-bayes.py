#!/usr/bin/python3
"""Bayes accuracy and speed: Winnow against bogofilter and sa-learn.

All three learn the same training messages and classify the same test
messages in the same run, each with a fresh database in its own temporary
directory (SpamAssassin public corpus):
  default  easy-ham-1 and spam-1 only, split by a stable hash of each file
           name (sha1; --train-pct, default 70% train, 30% test);
  --eval   learn all of easy-ham-1 and spam-1, test on the held-out
           folders (easy-ham-2 and hard-ham-1 as ham, spam-2 as spam).
           These are the independent figures: never tune on them.

What runs (wall clock of the whole command, start-up included):
  Winnow      winnow learn -o db_path=DB --spam FILES / --ham FILES
              winnow check --json -o db_path=DB -o rules_dir=EMPTY
                  -o bayes_min_spam_num=1 -o bayes_min_ham_num=1 FILES
              (the JSON field "bayes" is the probability)
  bogofilter  bogofilter -C -d DIR -s -b / -n -b  (file names on stdin)
              bogofilter -C -d DIR -b -TT          (file name, spamicity)
  sa-learn    sa-learn -L --spam -f LIST / --ham -f LIST
              sa-bayes-classify.pl: one Mail::SpamAssassin object, only the
              Bayes rules loaded, network off, bayes_score per message;
              its time includes SpamAssassin's message parsing.
Both SpamAssassin commands read the same private configuration: the stock
plugin loads (/etc/spamassassin/*.pre), the stock 10_default_prefs.cf,
20_aux_tlds.cf, 23_bayes.cf and 60_bayes_stopwords.cf, bayes_path in the
temporary directory and bayes_auto_learn 0; all else is SpamAssassin's
defaults (so bayes_min_spam_num and bayes_min_ham_num are 200, and sa-learn
skips a message it takes for one it has already learned).

Verdicts: spam if probability >= spam cutoff, ham if <= ham cutoff, else
unsure. Winnow and SpamAssassin use --spam-cut/--ham-cut (0.9/0.1);
bogofilter its own defaults as `bogofilter -C -Q` reports them. FP % is ham
called spam over all test ham, FN % spam called ham over all test spam,
unsure % over all test messages; ROC AUC is from the probabilities
(Mann-Whitney U, ties counted half), so it does not depend on cutoffs.

Needs root or a writable /tmp, bogofilter (Debian packages bogofilter and
bogofilter-bdb) and SpamAssassin (scripts/install-deps.sh). --only runs a
subset, e.g. `--only bogofilter,sa-learn` while Winnow's Bayes is not
built. Not a test: run it by hand and copy the table to RESULTS.md.
"""
import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import corpus_files

TOOLS = ('winnow', 'bogofilter', 'sa-learn')
HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    sys.exit('bench-bayes: ' + msg)


def in_train(path, pct):
    """Whether a message is in the training set: a stable hash of its file
    name, so the split is the same on every machine and for every tool."""
    h = hashlib.sha1(os.path.basename(path).encode()).digest()
    return int.from_bytes(h[:4], 'big') % 100 < pct


def run(tool, cmd, stdin=b'', env=None, ok=(0,), hint=''):
    """Runs cmd to the end; returns (wall s, CPU s user + system of the
    child, stdout). Exits naming the tool when the command fails."""
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
    except OSError as e:
        die('%s: cannot run %s: %s%s' % (tool, cmd[0], e, hint))
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in ok:
        die('%s: `%s ...` exited %d%s:\n%s' % (
            tool, ' '.join(cmd[:6]), r.returncode, hint,
            r.stderr.decode(errors='replace').strip()[-2000:]))
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    return wall, cpu, r.stdout.decode(errors='replace')


def batches(files, fixed):
    """files in as few argument lists as the kernel takes (one, for this
    corpus): each with the fixed arguments under half of ARG_MAX."""
    room = os.sysconf('SC_ARG_MAX') // 2 - sum(len(x) + 1 for x in fixed)
    out, cur, size = [], [], 0
    for f in files:
        if cur and size + len(f) + 1 > room:
            out.append(cur)
            cur, size = [], 0
        cur.append(f)
        size += len(f) + 1
    return out + [cur] if cur else out


def file_list(files):
    return ''.join(f + '\n' for f in files).encode()


class Tool:
    """A classifier under test. learn() and classify() return (wall s,
    CPU s); classify also fills self.prob: file -> probability or None."""
    name = ''

    def __init__(self, work, env):
        self.dir = os.path.join(work, self.name)
        self.env = env
        self.notes = []         # this round's summaries from the tool
        self.warnings = []      # across rounds

    def fresh(self):
        self.notes = []
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.setup()

    def setup(self):
        pass


class Winnow(Tool):
    name = 'winnow'
    HINT = (' (has this build of winnow `learn` and Bayes in `check`? '
            'run the peers alone with --only bogofilter,sa-learn)')

    def __init__(self, work, env, binary, spam_cut, ham_cut):
        super().__init__(work, env)
        self.bin, self.spam_cut, self.ham_cut = binary, spam_cut, ham_cut
        if not os.access(binary, os.X_OK):
            die('winnow: no executable at %s (build it, pass --winnow PATH, or '
                'run the peers alone with --only bogofilter,sa-learn)' % binary)
        self.version = binary

    def setup(self):
        self.db = os.path.join(self.dir, 'bayes.db')
        self.rules = os.path.join(self.dir, 'no-rules')
        os.makedirs(self.rules)

    def fail(self, what):
        die('winnow: %s%s' % (what, self.HINT))

    def learn(self, spam, ham):
        wall = cpu = 0.0
        for flag, files in (('--spam', spam), ('--ham', ham)):
            cmd = [self.bin, 'learn', '-o', 'db_path=' + self.db, flag]
            for part in batches(files, cmd):
                w, c, out = run(self.name, cmd + part, env=self.env, hint=self.HINT)
                wall, cpu = wall + w, cpu + c
                if out.strip():
                    self.notes.append('learn %s: %s'
                                      % (flag, out.strip().splitlines()[-1]))
        return wall, cpu

    def classify(self, files):
        cmd = [self.bin, 'check', '--json', '-o', 'db_path=' + self.db,
               '-o', 'rules_dir=' + self.rules, '-o', 'bayes_min_spam_num=1',
               '-o', 'bayes_min_ham_num=1']
        wall = cpu = 0.0
        lines = []
        for part in batches(files, cmd):
            # check exits 1 when it found spam
            w, c, out = run(self.name, cmd + part, env=self.env, ok=(0, 1),
                            hint=self.HINT)
            wall, cpu = wall + w, cpu + c
            lines += out.splitlines()
        self.prob = {}
        for line in lines:
            try:
                o = json.loads(line)
            except ValueError:
                self.fail('check --json printed a line that is not JSON: %r'
                          % line[:200])
            if 'bayes' not in o:
                self.fail('check --json gives no "bayes" field')
            p = o['bayes']
            self.prob[o['file']] = None if p is None else float(p)
        return wall, cpu


class Bogofilter(Tool):
    name = 'bogofilter'

    def __init__(self, work, env):
        super().__init__(work, env)
        if shutil.which('bogofilter') is None:
            die('bogofilter: not installed (apt-get install bogofilter '
                'bogofilter-bdb, or scripts/install-deps.sh)')
        # its own defaults (-C: no configuration file is read)
        _, _, out = run(self.name, ['bogofilter', '-C', '-Q'], env=env)
        cf = {}
        for line in out.splitlines():
            k, eq, v = line.partition('=')
            if eq:
                cf[k.strip()] = v.split('#')[0].strip()
        self.spam_cut = float(cf['spam_cutoff'])
        self.ham_cut = float(cf['ham_cutoff'])
        self.version = out.splitlines()[0].lstrip('# ').strip()
        _, _, out = run(self.name, ['bogofilter', '-V'], env=env)
        db = [l.strip() for l in out.splitlines() if 'Database:' in l]
        if db:
            self.version += ' (%s)' % db[0].split(':', 1)[1].split(':')[0].strip()

    def learn(self, spam, ham):
        wall = cpu = 0.0
        for flag, files in (('-s', spam), ('-n', ham)):
            w, c, _ = run(self.name, ['bogofilter', '-C', '-d', self.dir, flag, '-b'],
                          stdin=file_list(files), env=self.env)
            wall, cpu = wall + w, cpu + c
        _, _, out = run(self.name, ['bogoutil', '-w', self.dir, '.MSG_COUNT'],
                        env=self.env)
        self.notes.append('learned (spam good): ' + ' '.join(out.split()[-2:]))
        return wall, cpu

    def classify(self, files):
        # exit status: 0 spam, 1 ham, 2 unsure (the last message's), 3 error
        wall, cpu, out = run(self.name, ['bogofilter', '-C', '-d', self.dir, '-b', '-TT'],
                             stdin=file_list(files), env=self.env, ok=(0, 1, 2))
        self.prob = {}
        for line in out.splitlines():
            path, _, p = line.rpartition(' ')
            self.prob[path] = float(p)
        return wall, cpu


class SaLearn(Tool):
    name = 'sa-learn'

    def __init__(self, work, env, rules, site, spam_cut, ham_cut):
        super().__init__(work, env)
        for prog in ('sa-learn', 'perl'):
            if shutil.which(prog) is None:
                die('sa-learn: %s not installed (scripts/install-deps.sh)' % prog)
        self.stock_rules, self.stock_site = rules, site
        self.spam_cut, self.ham_cut = spam_cut, ham_cut
        self.helper = os.path.join(HERE, 'sa-bayes-classify.pl')
        _, _, out = run(self.name, ['sa-learn', '-V'], env=env)
        self.version = out.strip().splitlines()[0]

    def setup(self):
        self.rules = os.path.join(self.dir, 'rules')
        self.site = os.path.join(self.dir, 'site')
        self.prefs = os.path.join(self.dir, 'user_prefs')
        os.makedirs(self.rules)
        os.makedirs(self.site)
        # default prefs, the Bayes rules and stop words, and the TLD list
        # (domains of URIs are tokens); no other rules
        for f in ('10_default_prefs.cf', '20_aux_tlds.cf', '23_bayes.cf',
                  '60_bayes_stopwords.cf'):
            src = os.path.join(self.stock_rules, f)
            if os.path.exists(src):
                shutil.copy(src, self.rules)
        for f in os.listdir(self.stock_site):
            if f.endswith('.pre'):
                shutil.copy(os.path.join(self.stock_site, f), self.site)
        with open(os.path.join(self.site, 'zz_bench.cf'), 'w') as cf:
            cf.write('bayes_path %s\n' % os.path.join(self.dir, 'db', 'bayes'))
            cf.write('use_bayes 1\nuse_bayes_rules 1\nbayes_auto_learn 0\n'
                     # so that check() always asks Bayes, whatever the
                     # score set: min 0 matches any probability
                     'body BENCH_BAYES eval:check_bayes(\'0.00\', \'1.00\')\n'
                     'score BENCH_BAYES 0.001\n')
        os.makedirs(os.path.join(self.dir, 'db'))
        open(self.prefs, 'w').close()

    def conf_args(self):
        return ['-C', self.rules, '--siteconfigpath', self.site, '-p', self.prefs]

    def learn(self, spam, ham):
        wall = cpu = 0.0
        for flag, files in (('--spam', spam), ('--ham', ham)):
            lst = os.path.join(self.dir, flag[2:] + '.list')
            with open(lst, 'wb') as f:
                f.write(file_list(files))
            w, c, out = run(self.name, ['sa-learn', '-L'] + self.conf_args() +
                            [flag, '-f', lst], env=self.env)
            wall, cpu = wall + w, cpu + c
            if out.strip():
                self.notes.append('%s: %s' % (flag, out.strip().splitlines()[-1]))
        return wall, cpu

    def classify(self, files):
        wall, cpu, out = run(self.name, ['perl', self.helper, self.rules, self.site,
                                         self.prefs], stdin=file_list(files),
                             env=self.env)
        self.prob = {}
        for line in out.splitlines():
            path, _, p = line.rpartition('\t')
            self.prob[path] = None if p == 'null' else float(p)
        return wall, cpu


def auc(ham, spam):
    """ROC AUC of spam-over-ham scores: the Mann-Whitney U statistic over
    n_ham * n_spam, a tie between a ham and a spam counting half."""
    scored = sorted([(s, 0) for s in ham] + [(s, 1) for s in spam])
    rank_sum, i, n = 0.0, 0, len(scored)
    while i < n:
        j = i
        while j < n and scored[j][0] == scored[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0     # average of ranks i+1 .. j
        rank_sum += mid * sum(1 for k in range(i, j) if scored[k][1])
        i = j
    ns, nh = len(spam), len(ham)
    if not ns or not nh:
        return float('nan')
    return (rank_sum - ns * (ns + 1) / 2.0) / (ns * nh)


def verdict(p, spam_cut, ham_cut):
    if p is None:
        return 'unsure'
    if p >= spam_cut:
        return 'spam'
    if p <= ham_cut:
        return 'ham'
    return 'unsure'


def score(tool, test_ham, test_spam):
    """FP/FN/unsure counts and AUC from tool.prob; a message the tool gave
    no probability for counts as unsure, and at 0.5 for AUC."""
    missing = [f for f in test_ham + test_spam if f not in tool.prob]
    if missing:
        die('%s: no result for %d of %d test messages (first: %s)'
            % (tool.name, len(missing), len(test_ham) + len(test_spam), missing[0]))
    s = {'null': 0}
    for kind, files in (('ham', test_ham), ('spam', test_spam)):
        probs = []
        for f in files:
            p = tool.prob[f]
            if p is None:
                s['null'] += 1
            v = verdict(p, tool.spam_cut, tool.ham_cut)
            s[kind, v] = s.get((kind, v), 0) + 1
            probs.append(0.5 if p is None else p)
        s[kind] = probs
    s['auc'] = auc(s['ham'], s['spam'])
    return s


def pct(a, b):
    return 100.0 * a / b if b else float('nan')


def folder_of(path):
    return os.path.basename(os.path.dirname(path))


def main():
    ap = argparse.ArgumentParser(
        description='Bayes accuracy and speed: Winnow, bogofilter, sa-learn.')
    ap.add_argument('--winnow', default='./winnow')
    ap.add_argument('--corpus', default='/var/cache/winnow-corpus/package/data')
    ap.add_argument('--only', default=','.join(TOOLS),
                    help='comma-separated subset of %s' % ','.join(TOOLS))
    ap.add_argument('--eval', action='store_true',
                    help='learn all of easy-ham-1 and spam-1, test on easy-ham-2, '
                    'hard-ham-1 (ham) and spam-2 (spam)')
    ap.add_argument('--train-pct', type=int, default=70,
                    help='percent of easy-ham-1 and spam-1 to learn (default mode)')
    ap.add_argument('--limit', type=int, default=0,
                    help='first N messages per folder only (quick trials)')
    ap.add_argument('--spam-cut', type=float, default=0.9,
                    help='Winnow and SpamAssassin: spam at or above this')
    ap.add_argument('--ham-cut', type=float, default=0.1,
                    help='Winnow and SpamAssassin: ham at or below this')
    ap.add_argument('--sa-rules', default='/usr/share/spamassassin',
                    help='where the stock 23_bayes.cf etc. are')
    ap.add_argument('--sa-site', default='/etc/spamassassin',
                    help='where the stock *.pre (plugin loads) are')
    ap.add_argument('--rounds', type=int, default=1,
                    help='learn and classify this many times, fresh databases, '
                    'alternating the tools\' order; times are the best round')
    ap.add_argument('--tmpdir', default=None, help='parent of the work directory')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    a = ap.parse_args()

    only = [t.strip() for t in a.only.split(',') if t.strip()]
    for t in only:
        if t not in TOOLS:
            die('--only: unknown tool %r (known: %s)' % (t, ', '.join(TOOLS)))
    only = [t for t in TOOLS if t in only]

    if a.eval:
        train_ham = corpus_files(a.corpus, ['easy-ham-1'], a.limit)
        train_spam = corpus_files(a.corpus, ['spam-1'], a.limit)
        test_ham = corpus_files(a.corpus, ['easy-ham-2', 'hard-ham-1'], a.limit)
        test_spam = corpus_files(a.corpus, ['spam-2'], a.limit)
        mode = ('--eval: learn all of easy-ham-1 + spam-1; test easy-ham-2 + '
                'hard-ham-1 (ham), spam-2 (spam)')
    else:
        ham = corpus_files(a.corpus, ['easy-ham-1'], a.limit)
        spam = corpus_files(a.corpus, ['spam-1'], a.limit)
        train_ham = [f for f in ham if in_train(f, a.train_pct)]
        train_spam = [f for f in spam if in_train(f, a.train_pct)]
        test_ham = [f for f in ham if not in_train(f, a.train_pct)]
        test_spam = [f for f in spam if not in_train(f, a.train_pct)]
        mode = ('easy-ham-1 + spam-1 split by sha1(file name) %% 100 < %d: '
                'learn / test' % a.train_pct)
    if not (train_ham and train_spam and test_ham and test_spam):
        die('empty train or test set: is the corpus at %s? (sh scripts/fetch-corpus.sh)'
            % a.corpus)
    test = test_ham + test_spam
    n_train, n_test = len(train_ham) + len(train_spam), len(test)

    # every message read once before any timing, so the first tool does
    # not pay for the page cache
    for f in train_ham + train_spam + test:
        with open(f, 'rb') as fh:
            fh.read()

    work = tempfile.mkdtemp(prefix='bench-bayes.', dir=a.tmpdir)
    os.chmod(work, 0o755)
    home = os.path.join(work, 'home')
    os.makedirs(home)
    env = dict(os.environ, HOME=home, LC_ALL='C')
    env.pop('BOGOFILTER_DIR', None)

    tools = []
    times = {}      # per tool, per round: learn wall, CPU, classify wall, CPU
    stats = {}
    try:
        for t in only:
            if t == 'winnow':
                tools.append(Winnow(work, env, os.path.abspath(a.winnow),
                                    a.spam_cut, a.ham_cut))
            elif t == 'bogofilter':
                tools.append(Bogofilter(work, env))
            else:
                tools.append(SaLearn(work, env, a.sa_rules, a.sa_site,
                                     a.spam_cut, a.ham_cut))
        times = {t.name: [] for t in tools}
        for r in range(a.rounds):
            order = tools if r % 2 == 0 else tools[::-1]
            for t in order:
                t.fresh()
                lw, lc = t.learn(train_spam, train_ham)
                cw, cc = t.classify(test)
                times[t.name].append((lw, lc, cw, cc))
                s = score(t, test_ham, test_spam)
                prev = stats.setdefault(t.name, s)
                if prev['ham'] != s['ham'] or prev['spam'] != s['spam']:
                    t.warnings.append('round %d gave other probabilities than '
                                      'round 1' % (r + 1))
                if r == 0:
                    t.prob_first = t.prob
                print('bench-bayes: round %d %s: learn %.1f s, classify %.1f s'
                      % (r + 1, t.name, lw, cw), file=sys.stderr)
    finally:
        if a.keep:
            print('bench-bayes: work directory kept: ' + work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    nh, ns = len(test_ham), len(test_spam)
    print('%s: %d messages learned (%d ham, %d spam), %d tested (%d ham, %d spam)%s'
          % (mode, n_train, len(train_ham), len(train_spam), n_test, nh, ns,
             ', first %d per folder' % a.limit if a.limit else ''))
    print('versions: ' + '; '.join('%s: %s' % (t.name, t.version) for t in tools))
    print('times: wall clock of the whole command (start-up included), best of %d '
          'round%s; CPU is user + system of that run' % (a.rounds, 's' * (a.rounds > 1)))
    print()
    print('| tool | cutoffs ham/spam | learn s | learn msgs/s | learn CPU s | '
          'classify s | classify msgs/s | classify CPU s | FP % | FN % | unsure % | ROC AUC |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|')
    best = {}
    for t in tools:
        rounds = times[t.name]
        lw, lc = min((x[0], x[1]) for x in rounds)
        cw, cc = min((x[2], x[3]) for x in rounds)
        best[t.name] = (lw, cw)
        s = stats[t.name]
        n_unsure = s.get(('ham', 'unsure'), 0) + s.get(('spam', 'unsure'), 0)
        print('| %s | %g/%g | %.2f | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %.6f |'
              % (t.name, t.ham_cut, t.spam_cut, lw, n_train / lw, lc, cw, n_test / cw, cc,
                 pct(s.get(('ham', 'spam'), 0), nh), pct(s.get(('spam', 'ham'), 0), ns),
                 pct(n_unsure, n_test), s['auc']))
    print()
    print('counts (FP = ham called spam, FN = spam called ham):')
    for t in tools:
        s = stats[t.name]
        print('- %s: FP %d/%d, FN %d/%d, unsure %d ham + %d spam%s'
              % (t.name, s.get(('ham', 'spam'), 0), nh, s.get(('spam', 'ham'), 0), ns,
                 s.get(('ham', 'unsure'), 0), s.get(('spam', 'unsure'), 0),
                 ', %d without a probability' % s['null'] if s['null'] else ''))
        for n in t.notes + t.warnings:
            print('  - %s' % n)

    if a.eval:
        print()
        print('by test folder (spam % / unsure %):')
        print()
        folders = sorted({folder_of(f) for f in test})
        print('| tool | ' + ' | '.join(folders) + ' |')
        print('|---|' + '---|' * len(folders))
        for t in tools:
            cells = []
            for fo in folders:
                fs = [f for f in test if folder_of(f) == fo]
                v = [verdict(t.prob_first[f], t.spam_cut, t.ham_cut) for f in fs]
                cells.append('%.2f / %.2f' % (pct(v.count('spam'), len(fs)),
                                              pct(v.count('unsure'), len(fs))))
            print('| %s | %s |' % (t.name, ' | '.join(cells)))

    if 'sa-learn' in best:
        print()
        print('sa-learn\'s classify time is sa-bayes-classify.pl: SpamAssassin\'s '
              'message parsing and rendering plus Bayes, no other rules.')
    if 'winnow' in best and 'bogofilter' in best:
        wl, wc = best['winnow']
        bl, bc = best['bogofilter']
        print('ratio winnow/bogofilter, messages per second: learn %.1fx (goal >= 5x), '
              'classify %.1fx (goal >= 2x)' % (bl / wl, bc / wc))
        if 'sa-learn' in best:
            sl, sc = best['sa-learn']
            print('ratio winnow/sa-learn, messages per second: learn %.1fx, '
                  'classify %.1fx' % (sl / wl, sc / wc))
    if 'winnow' in stats and len(stats) == 3:
        def fn(name):
            return stats[name].get(('spam', 'ham'), 0)

        def unsure(name):
            return (stats[name].get(('ham', 'unsure'), 0) +
                    stats[name].get(('spam', 'unsure'), 0))

        def fewer(of):
            """fewer than both peers, or none at all"""
            w = of('winnow')
            return w == 0 or all(w < of(p) for p in stats if p != 'winnow')

        def met(ok):
            return 'met' if ok else 'NOT met'
        print('goals: zero FP %s; fewer FN than both peers (or none) %s; fewer '
              'unsure than both peers (or none) %s; ROC AUC above 0.999 %s' % (
                  met(stats['winnow'].get(('ham', 'spam'), 0) == 0), met(fewer(fn)),
                  met(fewer(unsure)), met(stats['winnow']['auc'] > 0.999)))


if __name__ == '__main__':
    main()
