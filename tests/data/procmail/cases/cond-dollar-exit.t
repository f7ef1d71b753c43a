# $ and ? together: the command is expanded first; double quotes are
# dropped by the expansion, as procmail does, so the second command
# gets "Hello" as a file name and fails.
--- rc
WANT=Hello
:0 c
* $ ? grep -q ^Subject:.$WANT
found/
:0
* $ ? grep -q "^Subject: $WANT"
notfound/
--- trace
maildir $T/found
maildir $T/Maildir (default)
