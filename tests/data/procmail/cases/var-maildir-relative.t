# A relative MAILDIR is relative to the previous one (procmail chdirs).
--- file Mail/.keep
--- file Mail/sub/.keep
--- rc
MAILDIR=Mail
MAILDIR=sub
:0
* ^Subject
x/
--- trace
maildir $T/Mail/sub/x
