# < and > compare with the whole message's size in bytes.
--- rc
:0
* > 100000
big/
:0
* < 10
tiny/
:0
* > 100
* < 1000
medium/
--- trace
maildir $T/medium
