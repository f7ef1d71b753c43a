# Clones inside clones: each one ends in a delivery of its own.
--- rc
:0 c
{
  :0 c
  {
    :0
    inner/
  }
  :0
  middle/
}
:0
outer/
--- trace
clone $T/test.rc:1
clone $T/test.rc:3
maildir $T/inner
clone end
maildir $T/middle
clone end
maildir $T/outer
