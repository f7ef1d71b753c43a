# A filter inside a clone changes the clone's message only.
--- rc
:0 c
{
  :0 fw
  | sed 's/^Subject: Hello/Subject: Cloned/'
  :0
  * ^Subject: Cloned
  cloned/
}
:0
* ^Subject: Hello World
original/
--- trace
clone $T/test.rc:1
filter 'sed 's/^Subject: Hello/Subject: Cloned/''
maildir $T/cloned
clone end
maildir $T/original
