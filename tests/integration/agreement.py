#!/usr/bin/python3
"""Agreement test: Winnow against the real SpamAssassin, same rules, same mail.

Both run SpamAssassin's stock ruleset (/usr/share/spamassassin) on the same
real messages, network tests and Bayes off (spamassassin -L, no Bayes, no
AWL). Per message, the sets of rule hits are compared:
  recall    = hits both report / hits SpamAssassin reports  (goal >= 0.90)
  precision = hits both report / hits Winnow reports        (goal >= 0.95)
Rules that need the network or Bayes are left out of both sides.
Prints the rules that disagree most; exits 1 when a goal is missed.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

# Hits that only network or Bayes checks can produce, and SpamAssassin's
# own bookkeeping hits: out of the comparison on both sides.
EXCLUDE = re.compile(
    r'^(BAYES_|RCVD_IN_|URIBL_|SURBL_|DKIM_|SPF_|T_SPF_|DMARC_|DCC_|RAZOR2_|'
    r'PYZOR_|AWL$|TXREP|URI_DBL|DNSWL|HASHBL|MSBL|T_DKIM|KAM_DMARC|__)')


def sample_files(folders, per_folder, seed):
    rnd = random.Random(seed)
    files = []
    for folder in folders:
        names = sorted(n for n in os.listdir(folder) if n.endswith('.txt'))
        rnd.shuffle(names)
        files += [os.path.join(folder, n) for n in sorted(names[:per_folder])]
    return files


def parse_sa_status(out):
    """Maps message number -> tests= set, from each output message's own
    "From agreement-N@" separator and its first X-Spam-Status header.
    SpamAssassin's --mbox sorts messages by date, so order is not kept."""
    results = {}
    for chunk in re.split(r'^(?=From agreement-\d+@)', out, flags=re.M):
        m = re.match(r'From agreement-(\d+)@', chunk)
        if not m:
            continue
        head = chunk.split('\n\n', 1)[0]
        st = re.search(r'^X-Spam-Status: (?:Yes|No),(.*?)(?=^\S|\Z)', head,
                       re.M | re.S)
        if not st:
            continue
        field = re.sub(r',\s+', ',', re.sub(r'\s+', ' ', st.group(1)))
        t = re.search(r'tests=(\S*)', field)
        names = t.group(1) if t else ''
        results[int(m.group(1))] = set(n for n in names.split(',')
                                       if n and n != 'none')
    return results


def run_spamassassin(files):
    with tempfile.NamedTemporaryFile('wb', suffix='.mbox', delete=False) as mb:
        for i, f in enumerate(files):
            data = open(f, 'rb').read()
            if data.startswith(b'From '):
                data = data.split(b'\n', 1)[1]
            # quote body lines that would split the mbox
            data = re.sub(rb'^From ', b'>From ', data, flags=re.M)
            mb.write(b'From agreement-%d@localhost Thu Jan  1 00:00:00 1970\n' % i)
            mb.write(data.rstrip(b'\n') + b'\n\n')
        mbox = mb.name
    cmd = ['spamassassin', '-L', '--mbox', '--cf=use_bayes 0',
           '--cf=bayes_auto_learn 0', '--cf=use_auto_whitelist 0',
           '--cf=use_txrep 0', '--cf=skip_rbl_checks 1']
    with open(mbox, 'rb') as inp:
        out = subprocess.run(cmd, stdin=inp, capture_output=True).stdout
    os.unlink(mbox)
    byid = parse_sa_status(out.decode('utf-8', 'replace'))
    if len(byid) != len(files):
        sys.exit('agreement: spamassassin gave %d results for %d messages'
                 % (len(byid), len(files)))
    return [byid[i] for i in range(len(files))]


def run_winnow(winnow, files, rules_dir):
    cmd = [winnow, 'check', '--json', '-L', '-o', 'use_bayes=no', '-o', 'rules_dir=' + rules_dir] + files
    out = subprocess.run(cmd, capture_output=True)
    if out.returncode > 1:
        sys.exit('agreement: winnow failed (%d): %s'
                 % (out.returncode, out.stderr.decode()[-2000:]))
    results = []
    for line in out.stdout.decode().splitlines():
        obj = json.loads(line)
        results.append(set(h['name'] for h in obj['hits']))
    if len(results) != len(files):
        sys.exit('agreement: winnow gave %d results for %d messages'
                 % (len(results), len(files)))
    return results


def compare(files, sa, wn, show):
    both = sa_total = wn_total = 0
    missed, extra = {}, {}
    for f, s, w in zip(files, sa, wn):
        s = set(n for n in s if not EXCLUDE.match(n))
        w = set(n for n in w if not EXCLUDE.match(n))
        both += len(s & w)
        sa_total += len(s)
        wn_total += len(w)
        for n in s - w:
            missed.setdefault(n, []).append(os.path.basename(f))
        for n in w - s:
            extra.setdefault(n, []).append(os.path.basename(f))
    recall = both / sa_total if sa_total else 1.0
    precision = both / wn_total if wn_total else 1.0
    print('messages: %d  SpamAssassin hits: %d  Winnow hits: %d  common: %d'
          % (len(files), sa_total, wn_total, both))
    print('recall (SA hits Winnow reports): %.3f' % recall)
    print('precision (Winnow hits SA reports): %.3f' % precision)
    for title, table in (('missed (SA only)', missed), ('extra (Winnow only)', extra)):
        items = sorted(table.items(), key=lambda kv: -len(kv[1]))[:show]
        if items:
            print(title + ':')
            for name, fl in items:
                print('  %-32s %3d  e.g. %s' % (name, len(fl), ' '.join(fl[:3])))
    return recall, precision


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--winnow', required=True)
    ap.add_argument('--corpus', required=True, help='folder with easy-ham-1 etc.')
    ap.add_argument('--folders', default='easy-ham-1,spam-1')
    ap.add_argument('--per-folder', type=int, default=60)
    ap.add_argument('--seed', type=int, default=2026)
    ap.add_argument('--rules', default='/usr/share/spamassassin')
    ap.add_argument('--show', type=int, default=25)
    ap.add_argument('--min-recall', type=float, default=0.90)
    ap.add_argument('--min-precision', type=float, default=0.95)
    a = ap.parse_args()
    folders = [os.path.join(a.corpus, f) for f in a.folders.split(',')]
    files = sample_files(folders, a.per_folder, a.seed)
    sa = run_spamassassin(files)
    wn = run_winnow(a.winnow, files, a.rules)
    recall, precision = compare(files, sa, wn, a.show)
    ok = recall >= a.min_recall and precision >= a.min_precision
    print('agreement: %s (goals: recall >= %.2f, precision >= %.2f)'
          % ('ok' if ok else 'FAILED', a.min_recall, a.min_precision))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
