# A value doubling itself: stopped at 64 KiB, mail to DEFAULT.
--- rc
A=0123456789abcdef
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
A=$A$A
:0
notreached/
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:14: expansion longer than 65536 bytes
