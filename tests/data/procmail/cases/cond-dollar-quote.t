# $\VAR quotes regex characters of the value.
--- rc
DOT=example.org
:0
* $ ^To: bob@$\DOT
quoted/
--- trace
maildir $T/quoted
