# /dev/null discards.
--- rc
:0
* ^Subject: Hello
/dev/null
--- trace
discard
