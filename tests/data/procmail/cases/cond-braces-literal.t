# Braces are literal in procmail's regexes.
--- msg
Subject: a{2}

x
--- rc
:0
* ^Subject: aa$
interval/
:0
* ^Subject: a\{2\}
literal/
--- trace
maildir $T/literal
