--- rc
:0 f
x/
--- parse-error
$T/test.rc:2: flag 'f' needs a '| command' action
