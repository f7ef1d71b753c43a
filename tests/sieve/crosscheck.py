#!/usr/bin/env python3
"""Cross-check of winnow-mda's Sieve against Dovecot Pigeonhole.

Runs every case of tests/sieve/ (script + message + envelope, see
tests/unit/test-sieve.c) through Pigeonhole's sieve-test and through our
interpreter (tests/unit/test-sieve --print), turns both outputs into the
same action lines and compares them action for action. Parse errors are
compared as "both refuse the script" (and the line numbers are counted).

Cases marked "# crosscheck: no" test what sieve-test cannot show (ops
failures, limits, response tracking). Disagreements we keep on purpose
are listed in KNOWN with the reason; anything else fails the test.

Usage: crosscheck.py TEST_SIEVE_BINARY [CASE...]; exit 77 without sieve-test.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ.get('top_srcdir') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
CASES = os.path.join(TOP, 'tests', 'sieve')

# Pigeonhole's configuration for the extensions that need one: spamtest
# reads X-Spam-Status score= with required= as the maximum (our mapping),
# virustest maps X-Virus-Status Clean -> 1, Infected -> 5.
CONF = r'''mail_location = maildir:%(home)s/Maildir
plugin {
  sieve_extensions = +spamtest +spamtestplus +virustest
  sieve_spamtest_status_type = score
  sieve_spamtest_status_header = X-Spam-Status: [[:alnum:]]+, score=(-?[[:digit:]]+\.[[:digit:]]+)
  sieve_spamtest_max_header = X-Spam-Status: [[:alnum:]]+, score=-?[[:digit:]]+\.[[:digit:]]+ required=([[:digit:]]+\.[[:digit:]]+)
  sieve_virustest_status_type = text
  sieve_virustest_status_header = X-Virus-Status
  sieve_virustest_text_value1 = Clean
  sieve_virustest_text_value5 = Infected
}
'''

# case -> why we differ on purpose
KNOWN = {
    'vars-string-test': 'RFC 5229 5 gives "string" the default comparator of RFC 5228 2.7.3, '
                        'i;ascii-casemap; Pigeonhole uses i;octet',
    'err-envelope-part': 'Pigeonhole has the "auth" envelope part; an MDA run by the MTA '
                         'does not know the SMTP AUTH identity, so we refuse the script',
    'vacation-subaddress-recipient': 'for the RFC 5230 4.5 check we count the recipient '
                                     'without its +detail as the user\'s address too '
                                     '(mail to bob+lists@ is mail to bob@); Pigeonhole '
                                     'only the address as given',
}


def directives(path):
    d = {'expect': []}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if not line.startswith('#'):
                break
            m = re.match(r'#\s*([a-z-]+):\s?(.*)$', line.rstrip('\n'))
            if m:
                k, v = m.group(1), m.group(2).rstrip()
                if k == 'expect':
                    d['expect'].append(v)
                else:
                    d[k] = v
    return d


def norm_flags(flags):
    return ' '.join(sorted(f.lower() for f in flags.split()))


def ours_to_actions(lines):
    """test-sieve --print output -> normalized action lines."""
    out = []
    for line in lines:
        if line.startswith('error '):
            return ['error']
        m = re.match(r'^(keep|fileinto (.*?))(?: \((.*)\))?$', line)
        if m:
            box = 'INBOX' if m.group(1) == 'keep' else m.group(2)
            out.append('store %s%s' % (box, ' [%s]' % norm_flags(m.group(3)) if m.group(3) else ''))
        elif line.startswith('redirect '):
            out.append('redirect ' + line[9:].lower())
        elif line.startswith('vacation to '):
            out.append('vacation')
        else:
            out.append(line)
    return out


def pigeonhole_to_actions(text, rc):
    """sieve-test's report -> normalized action lines."""
    if rc != 0 or 'Performed actions:' not in text:
        return ['error']
    out = []
    section = None
    for line in text.split('\n'):
        if line.startswith('Performed actions:'):
            section = 'performed'
        elif line.startswith('Implicit keep:'):
            section = 'implicit'
        elif line.startswith('START MESSAGE'):
            section = 'body:' + (section or '')
        elif line.startswith('END MESSAGE'):
            section = section.split(':', 1)[1]
        elif section and section.startswith('body:'):
            continue
        m = re.match(r'^ \* store message in folder: (.*)$', line)
        if m:
            out.append('store ' + m.group(1))
            continue
        m = re.match(r'^\s+\+ add IMAP flags: (.*)$', line)
        if m and out and out[-1].startswith('store '):
            out[-1] += ' [%s]' % norm_flags(m.group(1))
            continue
        m = re.match(r'^ \* redirect message to: <?([^>]*)>?$', line)
        if m:
            out.append('redirect ' + m.group(1).lower())
            continue
        if re.match(r'^ \* send vacation message', line):
            out.append('vacation')
            continue
        if line.strip() == '* discard':
            out.append('discard')
    # both say "discard" only when nothing else has the message
    if any(a.startswith(('store', 'redirect')) for a in out):
        out = [a for a in out if a != 'discard']
    # one store per folder: an explicit keep and the implicit keep
    seen, dedup = set(), []
    for a in out:
        key = a.split(' [')[0]
        if key.startswith('store ') and key in seen:
            continue
        seen.add(key)
        dedup.append(a)
    return dedup


def error_line(text):
    m = re.search(r': line (\d+): error', text)
    return int(m.group(1)) if m else None


def fresh_home(work):
    """An empty home: no vacation tracking, an empty Maildir."""
    home = os.path.join(work, 'home')
    shutil.rmtree(home, ignore_errors=True)
    for sub in ('Maildir/cur', 'Maildir/new', 'Maildir/tmp'):
        os.makedirs(os.path.join(home, sub))
    if os.getuid() == 0:
        subprocess.run(['chown', '-R', 'nobody', home], check=True)


def run_pigeonhole(work, case, d, execute=False):
    env = dict(os.environ, HOME=os.path.join(work, 'home'))
    frm = d.get('from', 'alice@example.com')
    to = d.get('to', 'bob@example.org')
    cmd = ['sieve-test', '-c', os.path.join(work, 'dovecot.conf'),
           '-f', frm, '-a', to, '-r', to,
           os.path.join(work, 'case.sieve'), os.path.join(work, 'msg.eml')]
    if execute:
        cmd.insert(1, '-e')
    if os.getuid() == 0:
        cmd = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def main():
    if shutil.which('sieve-test') is None:
        print('SKIP: sieve-test (dovecot-sieve) not installed')
        return 77
    ours_bin = sys.argv[1]
    names = sys.argv[2:] or sorted(n[:-6] for n in os.listdir(CASES) if n.endswith('.sieve'))
    work = tempfile.mkdtemp(prefix='wn-sieve-xcheck-')
    os.chmod(work, 0o755)
    home = os.path.join(work, 'home')
    fresh_home(work)
    with open(os.path.join(work, 'dovecot.conf'), 'w') as f:
        f.write(CONF % {'home': home})
    counts = {'agree': 0, 'known': 0, 'differ': 0, 'skipped': 0, 'errors_same_line': 0,
              'errors': 0}
    try:
        for name in names:
            path = os.path.join(CASES, name + '.sieve')
            d = directives(path)
            if d.get('crosscheck', '').startswith('no'):
                counts['skipped'] += 1
                continue
            shutil.copy(path, os.path.join(work, 'case.sieve'))
            shutil.copy(os.path.join(CASES, 'msg', d.get('message', 'plain.eml')),
                        os.path.join(work, 'msg.eml'))
            for fn in ('case.sieve', 'msg.eml'):
                os.chmod(os.path.join(work, fn), 0o644)
            svbin = os.path.join(work, 'case.svbin')
            if os.path.exists(svbin):
                os.unlink(svbin)
            rc, text = run_pigeonhole(work, name, d)
            theirs = pigeonhole_to_actions(text, rc)
            if 'vacation' in theirs:
                # sieve-test's report lists the reply; whether it would go
                # out (lists, bulk, robots, own address...) shows only
                # when the actions are executed (-e)
                fresh_home(work)
                erc, etext = run_pigeonhole(work, name, d, execute=True)
                if erc == 0 and 'sent vacation response' not in etext:
                    theirs.remove('vacation')
            p = subprocess.run([ours_bin, '--print', name + '.sieve'], capture_output=True,
                               text=True)
            ours = ours_to_actions(p.stdout.splitlines())
            if ours == ['error'] and theirs == ['error']:
                counts['errors'] += 1
                want = re.search(r':(\d+):\d+: ', p.stdout)
                if want and error_line(text) == int(want.group(1)):
                    counts['errors_same_line'] += 1
                else:
                    print('line   %-40s ours=%s pigeonhole=%s' % (name, want and want.group(1),
                                                                error_line(text)))
            if ours == theirs:
                counts['agree'] += 1
            elif name in KNOWN:
                counts['known'] += 1
                print('known  %-40s ours=%s pigeonhole=%s (%s)' % (name, ours, theirs, KNOWN[name]))
            else:
                counts['differ'] += 1
                print('DIFFER %-40s ours=%s pigeonhole=%s' % (name, ours, theirs))
                if os.environ.get('XCHECK_VERBOSE'):
                    print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('crosscheck: %(agree)d agree, %(known)d known differences, %(differ)d differ, '
          '%(skipped)d not comparable; parse errors: %(errors)d both, '
          '%(errors_same_line)d on the same line' % counts)
    return 0 if counts['differ'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
