--- rc
:0
|
--- parse-error
$T/test.rc:2: '|' without a command (to stdout) is not supported
