# INCLUDERC naming a directory: a run-time error, mail to DEFAULT.
--- rc
INCLUDERC=$T
:0
notreached/
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:1: INCLUDERC $T: $T: not a regular file
