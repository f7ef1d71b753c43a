# f: the command's output replaces the message, then conditions see it.
--- rc
:0 fw
| sed 's/^Subject: Hello/Subject: Bye/'
:0
* ^Subject: Bye World
bye/
--- trace
filter 'sed 's/^Subject: Hello/Subject: Bye/''
maildir $T/bye
