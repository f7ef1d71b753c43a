# fh filters the header only; the body stays.
--- rc
:0 fhw
| sed 's/^To:.*/To: changed@example.org/'
:0 B
* ^Body text here
* H ?? ^To: changed
changed/
--- trace
filter 'sed 's/^To:.*/To: changed@example.org/''
maildir $T/changed
