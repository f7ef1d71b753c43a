# DEFAULT is where mail goes when no recipe delivers.
--- rc
DEFAULT=$T/other/
:0
* ^Subject: Nope
nope/
--- trace
maildir $T/other (default)
