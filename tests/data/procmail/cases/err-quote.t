--- rc
A="unterminated
--- parse-error
$T/test.rc:1: unterminated quote in the value of A
