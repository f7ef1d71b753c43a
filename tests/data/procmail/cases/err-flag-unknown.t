--- rc
:0 Hq
x/
--- parse-error
$T/test.rc:1: unknown flag 'q'
