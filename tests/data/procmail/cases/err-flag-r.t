--- rc
:0 Br
x/
--- parse-error
$T/test.rc:1: flag 'r' (raw mode) is not supported
