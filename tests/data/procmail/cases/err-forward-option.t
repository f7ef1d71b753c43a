--- rc
:0
! -oi bob@example.org
--- parse-error
$T/test.rc:2: sendmail options in a '!' action are not supported
