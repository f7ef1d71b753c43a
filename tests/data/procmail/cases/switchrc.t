# SWITCHRC leaves the current rc for another one for good.
--- file other.rc
:0
* ^Subject
switched/
--- rc
SWITCHRC=other.rc
:0
notreached/
--- trace
maildir $T/switched
