# Unsetting SWITCHRC ends the rc: mail goes to DEFAULT.
--- rc
SWITCHRC
:0
notreached/
--- trace
maildir $T/Maildir (default)
