# B searches the body only; H (default) does not see it.
--- rc
:0
* ^Body text
nothere/
:0 B
* ^Body text here$
body/
--- trace
maildir $T/body
