# A typical Maildir user's rc: a filter marks spam, which goes to .Junk/.
--- msg
Return-Path: <promo@spam.example>
From: Best Deals <promo@spam.example>
To: bob@example.org
Subject: CHEAP pills now

Buy now!!!
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

:0
* ^From:.*boss@
.Boss/
--- trace
filter 'sed '/^Subject:.*CHEAP/i X-Spam-Flag: YES''
maildir $T/.Junk
