# INCLUDERC=/dev/null includes nothing.
--- rc
INCLUDERC=/dev/null
:0
* ^Subject
after/
--- trace
maildir $T/after
