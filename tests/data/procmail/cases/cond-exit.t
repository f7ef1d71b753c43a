# ? uses a command's exit status; the message is on its stdin.
--- rc
:0
* ? false
no/
:0
* ! ? grep -q '^Subject: Nope'
* ? grep -q '^Subject: Hello'
yes/
--- trace
maildir $T/yes
