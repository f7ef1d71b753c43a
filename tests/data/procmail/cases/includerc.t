# INCLUDERC runs another rc file at that point (relative to MAILDIR).
--- file inc.rc
:0
* ^Subject: Hello
included/
--- rc
X=before
INCLUDERC=inc.rc
:0
notreached/
--- trace
maildir $T/included
