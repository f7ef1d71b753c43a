# E: else-if chains.
--- rc
:0
* ^Subject: nope
nope/
:0 E
* ^Subject: also nope
alsonope/
:0 Ec
* ^Subject: Hello
hello/
:0 E
notreached/
:0
last/
--- trace
maildir $T/hello
maildir $T/last
