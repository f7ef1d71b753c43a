# Commands see the recipe's variables in their environment.
--- rc
GREETING="hi there"
:0 c
* ? test "$GREETING" = "hi there"
env-ok/
:0 w
| test "$MAILDIR" = "$T"
--- trace
maildir $T/env-ok
pipe 'test "$MAILDIR" = "$T"'
