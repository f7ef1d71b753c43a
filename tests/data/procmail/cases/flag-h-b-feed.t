# h and b choose what a command (and a folder) gets.
--- rc
:0 hc
| grep -q '^Subject: Hello' && ! grep -q 'Body text'
:0 bwc
| grep -q 'Body text' && ! grep -q '^Subject'
:0 ac
ok/
:0 h
headers/
--- trace
pipe 'grep -q '^Subject: Hello' && ! grep -q 'Body text''
pipe 'grep -q 'Body text' && ! grep -q '^Subject''
maildir $T/ok
maildir $T/headers
