# Conditions continue over lines; the continuation's leading blanks go.
--- rc
:0
* ^Subject: Hello \
    World
cont/
--- trace
maildir $T/cont
