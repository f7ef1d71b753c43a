--- rc
A=1
TRAP="rm -f /tmp/x"
--- parse-error
$T/test.rc:2: TRAP is not supported
