# A runs only if the last recipe without A matched; several A in a row.
--- rc
:0 c
* ^From:.*alice
alice/
:0 Ac
alice2/
:0 A
alice3/
--- trace
maildir $T/alice
maildir $T/alice2
maildir $T/alice3
