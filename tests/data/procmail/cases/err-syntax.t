--- rc
A=1
this-is-not procmail
--- parse-error
$T/test.rc:2: syntax error after 'this'
