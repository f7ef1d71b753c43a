# MAILDIR changes where relative folders go.
--- file Mail/.keep
--- rc
MAILDIR=$T/Mail
:0
* ^Subject
inbox-sub/
--- trace
maildir $T/Mail/inbox-sub
