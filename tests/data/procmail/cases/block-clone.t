# c on a block: a clone runs the block and goes on; the parent jumps over it.
--- rc
:0 c
{
  X=clone
  :0
  * ^Subject: Nope
  nope/
}
:0
* X ?? clone
clone-after/
:0
parent/
--- trace
clone $T/test.rc:1
maildir $T/clone-after
clone end
maildir $T/parent
