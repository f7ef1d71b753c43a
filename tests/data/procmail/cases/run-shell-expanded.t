--- rc
S=/bin/tcsh
SHELL=$S
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:2: SHELL=/bin/tcsh is not supported (commands run with /bin/sh -c)
