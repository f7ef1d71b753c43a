--- rc
EXITCODE=75
--- parse-error
$T/test.rc:1: EXITCODE is not supported (the MDA's exit code follows sysexits)
