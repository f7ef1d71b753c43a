# A block that delivers nothing: processing goes on after it.
--- rc
:0
* ^Subject
{
  X=1
}
:0
* X ?? 1
after/
--- trace
maildir $T/after
