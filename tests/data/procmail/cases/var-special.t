# $_ (the rc file) and $? (the last exit code).
--- rc
:0
* ? false
no/
STATUS=$?
:0
* STATUS ?? ^1$
* $ RC ?? ^
status-$STATUS/
--- trace
maildir $T/status-1
