--- rc
:0
* ^Subject: (unclosed
x/
--- parse-error
$T/test.rc:2: bad regex '^Subject: (unclosed': unmatched (
