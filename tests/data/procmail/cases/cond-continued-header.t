# A continued header line is searched as one line.
--- rc
:0
* ^X-Long: first +second line
long/
--- trace
maildir $T/long
