# A folder that turns out to be an mbox only after expansion: a run-time
# error; the message goes to DEFAULT.
--- rc
BOX=mbox
:0
* ^Subject
$BOX
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:4: mbox folder 'mbox' is not supported (only Maildir folders, written with a trailing '/')
