# A quoted folder name keeps its blanks.
--- rc
:0
"my folder/"
--- trace
maildir $T/my folder
