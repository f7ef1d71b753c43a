--- rc
:0
* ^Subject
* 2^1 ^From
x/
--- parse-error
$T/test.rc:3: weighted conditions (x^y scoring) are not supported
