# A backslash makes any character literal (\d is "d"); \> matches a non-word character.
--- rc
:0
* ^Subject: \d
digit/
:0
* World\>
word/
--- trace
maildir $T/word
