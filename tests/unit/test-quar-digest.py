#!/usr/bin/python3
"""test-quar-digest.py DIGEST.eml EXPECT.json: checks a quarantine digest
built by filterd/quar_digest.c with Python's email package (the strict
modern policy) and html.parser. EXPECT holds the decoded Subject, whether
a release URL was configured, the tokens, and the (cleaned) subjects of
the first entries. Prints what is wrong and exits 1, or exits 0.
"""
import email
import email.policy
import html.parser
import json
import sys

ALLOWED_TAGS = {'html', 'head', 'meta', 'title', 'body', 'p', 'table', 'tr', 'th', 'td', 'a',
                'code'}
FIELDS = ['Date', 'From', 'To', 'Subject', 'Message-ID', 'MIME-Version', 'Auto-Submitted',
          'Content-Type']


class Cells(html.parser.HTMLParser):
    """Collects start tags, the text of each table cell and the links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.cells, self.hrefs = [], [], []
        self.in_td = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == 'td':
            self.in_td = True
            self.cells.append('')
        if tag == 'a':
            self.hrefs.append(dict(attrs).get('href'))

    def handle_endtag(self, tag):
        if tag == 'td':
            self.in_td = False

    def handle_data(self, data):
        if self.in_td:
            self.cells[-1] += data


def check(raw, want):
    errors = []

    def expect(cond, what):
        if not cond:
            errors.append(what)

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    expect(not msg.defects, 'message defects: %r' % msg.defects)
    expect(list(msg.keys()) == FIELDS, 'header fields: %r' % list(msg.keys()))
    expect(str(msg['Subject']) == want['subject'],
           'Subject %r != %r' % (str(msg['Subject']), want['subject']))
    expect(msg['Auto-Submitted'] == 'auto-generated', 'Auto-Submitted')
    expect(msg.get_content_type() == 'multipart/alternative', 'type ' + msg.get_content_type())
    parts = list(msg.iter_parts())
    expect([p.get_content_type() for p in parts] == ['text/plain', 'text/html'],
           'parts %r' % [p.get_content_type() for p in parts])
    if len(parts) != 2:
        return errors
    for p in parts:
        expect(not p.defects, 'part defects: %r' % p.defects)
        expect(p.get_content_charset() == 'utf-8', 'charset')
        expect(p['Content-Transfer-Encoding'] == 'quoted-printable', 'cte')
    # get_content keeps the CRLF line ends of the wire
    text = parts[0].get_content().replace('\r\n', '\n')
    markup = parts[1].get_content()
    for tok in want['tokens']:
        expect(tok in text, 'token missing in text: ' + tok)
        expect(tok in markup, 'token missing in html: ' + tok)
    for line in text.splitlines():
        expect(not line.startswith(('Bcc:', 'X-Injected:')), 'injected line: ' + line)
    for s in want['subjects']:
        expect('Subject: %s\n' % s in text, 'subject missing in text: ' + s)
    cells = Cells()
    cells.feed(markup)
    cells.close()
    bad = set(cells.tags) - ALLOWED_TAGS
    expect(not bad, 'unexpected tags: %r' % bad)
    expect(cells.tags.count('tr') == 1 + len(want['tokens']),
           'rows: %d' % cells.tags.count('tr'))
    # six cells a row: date, from, subject, score, reason, release
    subjects = cells.cells[2::6]
    for i, s in enumerate(want['subjects']):
        expect(subjects[i] == s, 'html subject %r != %r' % (subjects[i], s))
    releases = cells.hrefs if want['url'] else [c for c in cells.cells[5::6]]
    expect(len(releases) == len(want['tokens']), 'release count %d' % len(releases))
    for tok, rel in zip(want['tokens'], releases):
        if want['url']:
            expect(rel.endswith('?t=%s&x=1' % tok), 'href ' + str(rel))
        else:
            expect(rel == 'winnow quarantine release --token ' + tok, 'command ' + rel)
    return errors


def main():
    with open(sys.argv[1], 'rb') as f:
        raw = f.read()
    with open(sys.argv[2]) as f:
        want = json.load(f)
    errors = check(raw, want)
    for e in errors:
        print('test-quar-digest.py: ' + e)
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
