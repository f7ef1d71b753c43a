# A delivering pipe gets the message and ends processing.
--- rc
:0
| cat > $T/piped.txt
:0
notreached/
--- trace
pipe 'cat > $T/piped.txt'
