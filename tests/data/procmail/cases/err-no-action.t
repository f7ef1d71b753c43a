--- rc
:0
* ^Subject
--- parse-error
$T/test.rc:1: recipe without an action line
