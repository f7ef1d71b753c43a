# b alone on a folder stores the body only (procmail warns it loses the header).
--- rc
:0 b
bodies/
--- trace
maildir $T/bodies
