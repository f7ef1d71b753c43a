# The classic duplicate killer from procmailex(5): formail -D under a
# local lockfile, its cache in $MAILDIR; the second look finds the
# Message-ID the first one recorded.
--- rc
:0 Whc: msgid.lock
| formail -D 8192 msgid.cache
:0 Whc: msgid.lock
| formail -D 8192 msgid.cache
:0 a
duplicates/
--- trace
pipe 'formail -D 8192 msgid.cache' lock $T/msgid.lock
pipe 'formail -D 8192 msgid.cache' lock $T/msgid.lock
maildir $T/duplicates
