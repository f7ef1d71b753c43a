--- rc
INCLUDERC=missing.rc
:0
notreached/
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:1: INCLUDERC missing.rc: $T/missing.rc: cannot open: No such file or directory
