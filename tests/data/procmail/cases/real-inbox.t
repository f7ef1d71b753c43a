# The same rc: everything else falls through to DEFAULT ($MAILDIR/).
--- rc
SHELL=/bin/sh
PATH=/usr/local/bin:/usr/bin:/bin
MAILDIR=$T
DEFAULT=$MAILDIR/
LOGFILE=$MAILDIR/procmail.log
VERBOSE=no

# a stand-in for spamc
:0 fw
* < 256000
| sed '/^Subject:.*CHEAP/i X-Spam-Flag: YES'

:0
* ^X-Spam-Flag: YES
.Junk/

:0
* ^List-Id:.*<\/[^.>]+
.lists.$MATCH/
--- trace
filter 'sed '/^Subject:.*CHEAP/i X-Spam-Flag: YES''
maildir $T (default)
