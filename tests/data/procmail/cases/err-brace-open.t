--- rc
:0
* ^Subject
{
  :0
  x/
--- parse-error
$T/test.rc:3: '{' without a matching '}'
