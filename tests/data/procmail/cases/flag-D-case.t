# Matching ignores case unless D.
--- rc
:0 D
* ^subject: hello
sensitive/
:0
* ^subject: HELLO world
insensitive/
--- trace
maildir $T/insensitive
