# VAR=| captures a command's output (one trailing newline dropped).
--- rc
:0
* ^Subject: \/.*
SUBJ=| echo "$MATCH" | tr ' ' '-'
:0
* SUBJ ?? ^Hello-World$
captured/
--- trace
pipe 'echo "$MATCH" | tr ' ' '-'' into SUBJ
maildir $T/captured
