# Without w the exit code is ignored: the pipe delivered.
--- rc
:0
| cat >/dev/null; false
:0
notreached/
--- trace
pipe 'cat >/dev/null; false'
