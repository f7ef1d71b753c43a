# A local lockfile on a command: it runs under flock(1) on that file;
# without a name, on the file after ">>" plus $LOCKEXT. Commands run in
# $MAILDIR.
--- rc
:0 Wc: msgid.lock
| cat >> seen.txt
LOCKEXT=.lck
:0 c:
| sed -n 's/^Subject: //p' >> subjects.txt
:0 c:
| true
:0 c:
! carol@example.net
:0
* ? test -s seen.txt
done/
--- trace
pipe 'cat >> seen.txt' lock $T/msgid.lock
pipe 'sed -n 's/^Subject: //p' >> subjects.txt' lock $T/subjects.txt.lck
pipe 'true'
redirect carol@example.net
maildir $T/done
