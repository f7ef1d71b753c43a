# A regex on the header delivers to a Maildir relative to $MAILDIR.
--- rc
:0
* ^Subject:.*hello
greetings/
--- trace
maildir $T/greetings
