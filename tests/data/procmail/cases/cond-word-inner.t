# \< and \> match one non-word character (here the blank, the newline).
--- rc
:0 c
* Hello\<World\>
inner/
:0
* ^Subject: \<Hello
notreached/
--- trace
maildir $T/inner
maildir $T/Maildir (default)
