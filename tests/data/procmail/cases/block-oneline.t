# A block on one line.
--- rc
:0
* ^Subject
{ Y=inline }
:0
* Y ?? inline
oneline/
--- trace
maildir $T/oneline
