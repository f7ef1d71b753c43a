# SWITCHRC to a missing file: a run-time error, mail to DEFAULT.
# xcheck: no procmail logs it and goes on in the current rc
--- rc
SWITCHRC=nothere.rc
:0
notreached/
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:1: SWITCHRC nothere.rc: $T/nothere.rc: cannot open: No such file or directory
