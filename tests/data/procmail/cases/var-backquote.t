# Backquotes run a command with the message on stdin.
--- rc
FROM=`sed -n 's/^From:.*<\(.*\)>/\1/p'`
:0
* FROM ?? ^alice@example\.org$
bq/
--- trace
pipe 'sed -n 's/^From:.*<\(.*\)>/\1/p'' (backquote)
maildir $T/bq
