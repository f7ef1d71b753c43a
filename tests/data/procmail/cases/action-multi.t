# Several Maildir folders on one line: one copy each; absolute names too.
# xcheck: differs procmail makes only the last directory level of a folder
--- rc
:0
* ^Subject
one/ $T/abs/two/
--- trace
maildir $T/one
maildir $T/abs/two
