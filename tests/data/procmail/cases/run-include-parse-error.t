--- file bad.rc
:0
inbox
--- rc
INCLUDERC=bad.rc
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:1: INCLUDERC bad.rc: $T/bad.rc:2: mbox folder 'inbox' is not supported (only Maildir folders, written with a trailing '/')
