--- rc
OPT=-t
:0
! $OPT
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:3: bad forwarding address '-t'
