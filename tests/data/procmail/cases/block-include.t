# INCLUDERC inside a block: the block goes on after the included file.
--- file lists.rc
:0 c
* ^To:.*bob
from-include/
--- rc
:0
* ^Subject
{
  INCLUDERC=lists.rc
  :0
  after-include/
}
--- trace
maildir $T/from-include
maildir $T/after-include
