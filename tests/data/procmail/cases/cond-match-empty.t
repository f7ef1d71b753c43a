# \/ at the end: MATCH is empty but the condition holds.
--- rc
:0
* ^Subject: Hello World\/
* MATCH ?? ^^^^
empty-match/
--- trace
maildir $T/empty-match
