# The same rc: a mailing list by its List-Id.
--- msg
Return-Path: <winnow-users-bounces@lists.example.org>
From: Carol <carol@example.net>
To: winnow-users@lists.example.org
List-Id: Winnow users <winnow-users.lists.example.org>
Subject: Re: rules

Hi
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
maildir $T/.lists.winnow-users
