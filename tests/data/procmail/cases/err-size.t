--- rc
:0
* > lots
x/
--- parse-error
$T/test.rc:2: size condition needs a number of bytes: 'lots'
