--- rc
:1
* ^Subject
x/
--- parse-error
$T/test.rc:1: old-style ':1' recipes are not supported: use ':0'
