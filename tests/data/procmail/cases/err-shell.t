--- rc
SHELL=/bin/csh
--- parse-error
$T/test.rc:1: SHELL=/bin/csh is not supported (commands run with /bin/sh -c)
