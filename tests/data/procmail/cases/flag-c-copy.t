# c delivers a copy and goes on.
--- rc
:0 c
* ^From:.*alice
copy/
:0
main/
--- trace
maildir $T/copy
maildir $T/main
