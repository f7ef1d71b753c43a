# A command over the time limit: tempfail, nothing reported delivered.
--- rc
:0
| sleep 5
--- trace
--- status
tempfail
--- error
command 'sleep 5': command timed out
