# A folder without a trailing '/' is an mbox: outside the subset.
--- rc
:0
* ^Subject
{
  :0
  inbox
}
--- parse-error
$T/test.rc:5: mbox folder 'inbox' is not supported (only Maildir folders, written with a trailing '/')
