# An rc including itself: stopped at depth 10, mail to DEFAULT.
--- file loop.rc
N=x$N
INCLUDERC=loop.rc
--- rc
INCLUDERC=loop.rc
--- trace
maildir $T/Maildir (default)
--- error
$T/loop.rc:2: INCLUDERC nested deeper than 10
