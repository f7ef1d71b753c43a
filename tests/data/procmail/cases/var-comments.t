# Comments: whole lines and after values; not on conditions.
--- rc
# a comment
A=1 # after a value
:0 # after the flags
* A ?? ^1$
commented/ # after a folder
--- trace
maildir $T/commented
