# $ expands variables in a condition before it is read.
--- rc
WHO=alice
NOT=!
:0
* $ ^From:.*${WHO}@
* $ $NOT ^Subject: Nope
expanded/
--- trace
maildir $T/expanded
