# An MH folder ("/.") is outside the subset.
--- rc
A=1

:0
mh/.
--- parse-error
$T/test.rc:4: MH folder 'mh/.' is not supported (only Maildir folders, written with a trailing '/')
