# With w a failing command is not a delivery: processing goes on.
--- rc
:0 w
| false
:0 W
| test 1 = 2
:0
after/
--- trace
pipe 'false'
pipe 'test 1 = 2'
maildir $T/after
