# E after a block that ran is skipped; after one that did not, it runs.
--- rc
:0
* ^Subject: Nope
{
  X=1
}
:0 E
* ^Subject: Hello
{
  :0 c
  else1/
}
:0 E
else2/
:0
end/
--- trace
maildir $T/else1
maildir $T/end
